// POST /v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry — send a delivery again now
// (scope webhooks:write): a failed or succeeded one gets one more attempt, a pending one is
// brought forward. 409 when the endpoint is disabled.

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { callApi, deliveryIdParam, endpointIdParam } from "./database-call.ts";
import type { Delivery, DeliveryResponse } from "./schema.ts";

export async function retryWebhookDelivery(c: Context<AppEnv>) {
  const endpointId = endpointIdParam(c);
  const deliveryId = deliveryIdParam(c);
  const { delivery } = await callApi<{ delivery: Delivery }>(c, "retry_webhook_delivery", {
    endpoint_id: endpointId,
    delivery_id: deliveryId,
  });
  const body: DeliveryResponse = { data: { delivery } };
  return c.json(body, 202);
}
