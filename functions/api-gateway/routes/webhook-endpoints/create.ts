// POST /v1/webhook_endpoints — subscribe a URL to events (scope webhooks:write). The response is
// the only place the endpoint's signing secret is ever shown.

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { readJsonObject } from "../../middleware/json-body.ts";
import { publicPrefix } from "../../public-path.ts";
import { parseInput } from "../../validation.ts";
import { callApi, requireAllowedUrl } from "./database-call.ts";
import { CreateWebhookEndpointBody, type WebhookEndpointWithSecret, type WebhookEndpointWithSecretResponse } from "./schema.ts";

export async function createWebhookEndpoint(c: Context<AppEnv>) {
  const input = parseInput(CreateWebhookEndpointBody, readJsonObject(c));
  await requireAllowedUrl(c, input.url);
  const { webhook_endpoint } = await callApi<{ webhook_endpoint: WebhookEndpointWithSecret }>(c, "create_webhook_endpoint", {
    url: input.url,
    events: input.events,
    description: input.description ?? undefined,
  });
  const body: WebhookEndpointWithSecretResponse = { data: { webhook_endpoint } };
  return c.json(body, 201, { Location: `${publicPrefix(c.req.raw)}/v1/webhook_endpoints/${webhook_endpoint.id}` });
}
