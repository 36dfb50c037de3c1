// POST /v1/webhook_endpoints — subscribe a URL to events (scope webhooks:write). The response is
// the only place the endpoint's signing secret is ever shown.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { IdempotencyHeaders } from "../../operation/idempotency.ts";
import { requireAllowedUrl } from "./allowed-url.ts";
import {
  CREATE_WEBHOOK_ENDPOINT_EXAMPLE,
  CreateWebhookEndpointBody,
  MAX_ENDPOINTS_PER_WORKSPACE,
  WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE,
  type WebhookEndpointWithSecret,
  WebhookEndpointWithSecretResponseSchema,
} from "./schema.ts";

export const createWebhookEndpoint = defineOperation({
  method: "post",
  path: "/v1/webhook_endpoints",
  operationId: "createWebhookEndpoint",
  summary: "Create a webhook endpoint",
  description:
    "Subscribes a URL to events. The response is the only place the endpoint's signing `secret` is ever shown. " +
    `At most ${MAX_ENDPOINTS_PER_WORKSPACE} endpoints per workspace. Safe to retry with an \`Idempotency-Key\`: a replay ` +
    "answers the first response, secret included, and creates nothing.",
  scope: "webhooks:write",
  headers: IdempotencyHeaders,
  body: { schema: CreateWebhookEndpointBody, example: CREATE_WEBHOOK_ENDPOINT_EXAMPLE },
  success: {
    status: 201,
    description: "Created, with its signing secret. `Location` is the endpoint's URL.",
    schema: WebhookEndpointWithSecretResponseSchema,
    example: WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE,
    location: true,
  },
  errors: { 400: ["missing_required_field"], 409: ["webhook_endpoint_limit_reached"] },
  async handler({ body }, c) {
    await requireAllowedUrl(c, body.url);
    const { webhook_endpoint } = await callRpc<{ webhook_endpoint: WebhookEndpointWithSecret }>(
      c,
      "create_webhook_endpoint",
      { url: body.url, events: body.events, description: body.description ?? undefined },
    );
    return { body: { data: { webhook_endpoint } }, location: `/v1/webhook_endpoints/${webhook_endpoint.id}` };
  },
});
