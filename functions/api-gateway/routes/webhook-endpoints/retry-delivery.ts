// POST /v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry — send a delivery again now
// (scope webhooks:write): a failed or succeeded one gets one more attempt, a pending one is
// brought forward. 409 when the endpoint is disabled.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { type Delivery, DeliveryId, DeliveryResponseSchema, EndpointId } from "./schema.ts";

export const retryWebhookDelivery = defineOperation({
  method: "post",
  path: "/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry",
  operationId: "retryWebhookDelivery",
  summary: "Retry a delivery",
  description: "Sends a delivery again now: a failed or succeeded one gets one more attempt, a pending one is brought forward.",
  scope: "webhooks:write",
  params: { id: EndpointId, delivery_id: DeliveryId },
  success: { status: 202, description: "Queued for an attempt now.", schema: DeliveryResponseSchema },
  errors: { 404: ["webhook_endpoint_not_found", "delivery_not_found"], 409: ["webhook_endpoint_disabled"] },
  async handler({ params }, c) {
    const { delivery } = await callRpc<{ delivery: Delivery }>(c, "retry_webhook_delivery", {
      endpoint_id: params.id,
      delivery_id: params.delivery_id,
    });
    return { body: { data: { delivery } } };
  },
});
