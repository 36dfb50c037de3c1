// GET /v1/webhook_endpoints — the workspace's endpoints, newest first, `limit` per page, the
// next page `starting_after` the last id (scope webhooks:read).

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { ListEndpointsQuery, type WebhookEndpoint, WebhookEndpointListResponseSchema } from "./schema.ts";

export const listWebhookEndpoints = defineOperation({
  method: "get",
  path: "/v1/webhook_endpoints",
  operationId: "listWebhookEndpoints",
  summary: "List webhook endpoints",
  description: "The workspace's endpoints, newest first, `limit` per page; never their secrets.",
  scope: "webhooks:read",
  query: ListEndpointsQuery,
  success: { status: 200, description: "A page of endpoints.", schema: WebhookEndpointListResponseSchema },
  // An unknown starting_after (param "starting_after").
  errors: { 404: ["webhook_endpoint_not_found"] },
  async handler({ query }, c) {
    const page = await callRpc<{ webhook_endpoints: WebhookEndpoint[]; has_more: boolean }>(c, "list_webhook_endpoints", {
      max_results: query.limit,
      starting_after: query.starting_after,
    });
    return { body: { data: { webhook_endpoints: page.webhook_endpoints, has_more: page.has_more } } };
  },
});
