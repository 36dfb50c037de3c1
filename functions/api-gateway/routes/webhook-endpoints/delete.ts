// DELETE /v1/webhook_endpoints/{id} — remove the endpoint, its secrets and its delivery history
// (scope webhooks:write). Nothing more is sent to it.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { type DeletedWebhookEndpointResponse, DeletedWebhookEndpointResponseSchema, EndpointId } from "./schema.ts";

export const deleteWebhookEndpoint = defineOperation({
  method: "delete",
  path: "/v1/webhook_endpoints/{id}",
  operationId: "deleteWebhookEndpoint",
  summary: "Delete a webhook endpoint",
  description: "Removes the endpoint, its secrets and its delivery history. Nothing more is sent to it.",
  scope: "webhooks:write",
  params: { id: EndpointId },
  success: { status: 200, description: "Deleted.", schema: DeletedWebhookEndpointResponseSchema },
  errors: { 404: ["webhook_endpoint_not_found"] },
  async handler({ params }, c) {
    const { webhook_endpoint } = await callRpc<DeletedWebhookEndpointResponse["data"]>(c, "delete_webhook_endpoint", { id: params.id });
    return { body: { data: { webhook_endpoint } } };
  },
});
