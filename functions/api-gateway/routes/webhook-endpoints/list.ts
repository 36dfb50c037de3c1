// GET /v1/webhook_endpoints — the workspace's endpoints, newest first, `limit` per page, the
// next page `starting_after` the last id (scope webhooks:read).

import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { parseInput } from "../../validation.ts";
import { callApi } from "./database-call.ts";
import { ListEndpointsQuery, type WebhookEndpoint, type WebhookEndpointListResponse } from "./schema.ts";

export async function listWebhookEndpoints(c: Context<AppEnv>) {
  const query = parseInput(ListEndpointsQuery, c.req.query());
  const page = await callApi<{ webhook_endpoints: WebhookEndpoint[]; has_more: boolean }>(
    c,
    "list_webhook_endpoints",
    { max_results: query.limit, starting_after: query.starting_after },
    true,
  );
  const body: WebhookEndpointListResponse = { data: { webhook_endpoints: page.webhook_endpoints, has_more: page.has_more } };
  return c.json(body, 200);
}
