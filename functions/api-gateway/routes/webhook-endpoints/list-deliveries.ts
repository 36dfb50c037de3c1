// GET /v1/webhook_endpoints/{id}/deliveries — what was sent to the endpoint, newest first, each
// delivery with every attempt: time, status code, latency, error (scope webhooks:read).

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { type Delivery, DeliveryListResponseSchema, EndpointId, ListDeliveriesQuery } from "./schema.ts";

export const listWebhookDeliveries = defineOperation({
  method: "get",
  path: "/v1/webhook_endpoints/{id}/deliveries",
  operationId: "listWebhookDeliveries",
  summary: "List an endpoint's deliveries",
  description: "What was sent to the endpoint, newest first, each delivery with every attempt: time, status code, latency, error.",
  scope: "webhooks:read",
  params: { id: EndpointId },
  query: ListDeliveriesQuery,
  success: { status: 200, description: "A page of deliveries.", schema: DeliveryListResponseSchema },
  // delivery_not_found: an unknown starting_after.
  errors: { 404: ["webhook_endpoint_not_found", "delivery_not_found"] },
  async handler({ params, query }, c) {
    const page = await callRpc<{ deliveries: Delivery[]; has_more: boolean }>(c, "list_webhook_deliveries", {
      endpoint_id: params.id,
      max_results: query.limit,
      starting_after: query.starting_after,
    });
    return { body: { data: { deliveries: page.deliveries, has_more: page.has_more } } };
  },
});
