// POST /v1/webhook_endpoints/{id}/rotate_secret — a new signing secret, shown once (scope
// webhooks:write). For 24 hours messages carry a signature by the previous secret too, so a
// subscriber can switch without rejecting anything.

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { callApi, endpointIdParam } from "./database-call.ts";
import type { WebhookEndpointWithSecret, WebhookEndpointWithSecretResponse } from "./schema.ts";

export async function rotateWebhookEndpointSecret(c: Context<AppEnv>) {
  const id = endpointIdParam(c);
  const { webhook_endpoint } = await callApi<{ webhook_endpoint: WebhookEndpointWithSecret }>(c, "rotate_webhook_endpoint_secret", { id });
  const body: WebhookEndpointWithSecretResponse = { data: { webhook_endpoint } };
  return c.json(body, 200);
}
