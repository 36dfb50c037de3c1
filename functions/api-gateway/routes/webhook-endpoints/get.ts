// GET /v1/webhook_endpoints/{id} — one endpoint, without its secret (scope webhooks:read).

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { callApi, endpointIdParam } from "./database-call.ts";
import type { WebhookEndpoint, WebhookEndpointResponse } from "./schema.ts";

export async function getWebhookEndpoint(c: Context<AppEnv>) {
  const id = endpointIdParam(c);
  const { webhook_endpoint } = await callApi<{ webhook_endpoint: WebhookEndpoint }>(c, "get_webhook_endpoint", { id }, true);
  const body: WebhookEndpointResponse = { data: { webhook_endpoint } };
  return c.json(body, 200);
}
