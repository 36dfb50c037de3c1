// GET /v1/webhook_endpoints/{id} — one endpoint, without its secret (scope webhooks:read).

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { EndpointId, type WebhookEndpoint, WebhookEndpointResponseSchema } from "./schema.ts";

export const getWebhookEndpoint = defineOperation({
  method: "get",
  path: "/v1/webhook_endpoints/{id}",
  operationId: "getWebhookEndpoint",
  summary: "Get a webhook endpoint",
  description: "One endpoint, without its secret.",
  scope: "webhooks:read",
  params: { id: EndpointId },
  success: { status: 200, description: "The endpoint.", schema: WebhookEndpointResponseSchema },
  errors: { 404: ["webhook_endpoint_not_found"] },
  async handler({ params }, c) {
    const { webhook_endpoint } = await callRpc<{ webhook_endpoint: WebhookEndpoint }>(c, "get_webhook_endpoint", { id: params.id });
    return { body: { data: { webhook_endpoint } } };
  },
});
