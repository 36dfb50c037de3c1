// GET /v1/webhook_endpoints/{id}/deliveries — what was sent to the endpoint, newest first, each
// delivery with every attempt: time, status code, latency, error (scope webhooks:read).

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { parseInput } from "../../validation.ts";
import { callApi, endpointIdParam } from "./database-call.ts";
import { type Delivery, type DeliveryListResponse, ListDeliveriesQuery } from "./schema.ts";

export async function listWebhookDeliveries(c: Context<AppEnv>) {
  const endpointId = endpointIdParam(c);
  const query = parseInput(ListDeliveriesQuery, c.req.query());
  const page = await callApi<{ deliveries: Delivery[]; has_more: boolean }>(
    c,
    "list_webhook_deliveries",
    { endpoint_id: endpointId, max_results: query.limit, starting_after: query.starting_after },
    true,
  );
  const body: DeliveryListResponse = { data: { deliveries: page.deliveries, has_more: page.has_more } };
  return c.json(body, 200);
}
