// POST /v1/webhook_endpoints/{id}/rotate_secret — a new signing secret, shown once (scope
// webhooks:write). For 24 hours messages carry a signature by the previous secret too, so a
// subscriber can switch without rejecting anything.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { IdempotencyHeaders } from "../../operation/idempotency.ts";
import { EndpointId, type WebhookEndpointWithSecret, WebhookEndpointWithSecretResponseSchema } from "./schema.ts";

export const rotateWebhookEndpointSecret = defineOperation({
  method: "post",
  path: "/v1/webhook_endpoints/{id}/rotate_secret",
  operationId: "rotateWebhookEndpointSecret",
  summary: "Rotate an endpoint's signing secret",
  description:
    "Issues a new signing secret, shown only in this response. For 24 hours messages carry a signature by the " +
    "previous secret too, so a subscriber can switch without rejecting anything.\n\n" +
    "Send an `Idempotency-Key`: retrying a rotation whose response was lost would otherwise issue yet another secret and " +
    "retire the one your subscriber still verifies with; with the key, the retry answers the secret the first rotation issued.",
  scope: "webhooks:write",
  params: { id: EndpointId },
  headers: IdempotencyHeaders,
  success: { status: 200, description: "The endpoint with its new secret.", schema: WebhookEndpointWithSecretResponseSchema },
  errors: { 404: ["webhook_endpoint_not_found"] },
  async handler({ params }, c) {
    const { webhook_endpoint } = await callRpc<{ webhook_endpoint: WebhookEndpointWithSecret }>(
      c,
      "rotate_webhook_endpoint_secret",
      { id: params.id },
    );
    return { body: { data: { webhook_endpoint } } };
  },
});
