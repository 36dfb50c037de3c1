// PATCH /v1/webhook_endpoints/{id} — change url, events, description, or enable/disable
// (scope webhooks:write). Disabling parks the endpoint's pending deliveries; enabling resumes
// them, which is also how an endpoint disabled by failures or a 410 is brought back.

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { readJsonObject } from "../../middleware/json-body.ts";
import { parseInput } from "../../validation.ts";
import { callApi, endpointIdParam, requireAllowedUrl } from "./database-call.ts";
import { UpdateWebhookEndpointBody, type WebhookEndpoint, type WebhookEndpointResponse } from "./schema.ts";

export async function updateWebhookEndpoint(c: Context<AppEnv>) {
  const id = endpointIdParam(c);
  const input = parseInput(UpdateWebhookEndpointBody, readJsonObject(c));
  if (input.url !== undefined) await requireAllowedUrl(c, input.url);
  const { webhook_endpoint } = await callApi<{ webhook_endpoint: WebhookEndpoint }>(c, "update_webhook_endpoint", {
    id,
    url: input.url,
    events: input.events,
    enabled: input.enabled,
    // null clears the description; the database takes "" to mean that.
    description: input.description === null ? "" : input.description,
  });
  const body: WebhookEndpointResponse = { data: { webhook_endpoint } };
  return c.json(body, 200);
}
