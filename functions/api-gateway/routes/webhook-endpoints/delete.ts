// DELETE /v1/webhook_endpoints/{id} — remove the endpoint, its secrets and its delivery history
// (scope webhooks:write). Nothing more is sent to it.

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { callApi, endpointIdParam } from "./database-call.ts";
import type { DeletedWebhookEndpointResponse } from "./schema.ts";

export async function deleteWebhookEndpoint(c: Context<AppEnv>) {
  const id = endpointIdParam(c);
  const { webhook_endpoint } = await callApi<DeletedWebhookEndpointResponse["data"]>(c, "delete_webhook_endpoint", { id });
  const body: DeletedWebhookEndpointResponse = { data: { webhook_endpoint } };
  return c.json(body, 200);
}
