// PATCH /v1/webhook_endpoints/{id} — change url, events, description, or enable/disable
// (scope webhooks:write). Disabling parks the endpoint's pending deliveries; enabling resumes
// them, which is also how an endpoint disabled by failures or a 410 is brought back.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { requireAllowedUrl } from "./allowed-url.ts";
import { EndpointId, UpdateWebhookEndpointBody, type WebhookEndpoint, WebhookEndpointResponseSchema } from "./schema.ts";

export const updateWebhookEndpoint = defineOperation({
  method: "patch",
  path: "/v1/webhook_endpoints/{id}",
  operationId: "updateWebhookEndpoint",
  summary: "Update a webhook endpoint",
  description:
    "Changes what it is given: `url`, `events`, `description` (null clears it), or `enabled`. Disabling parks the " +
    "endpoint's pending deliveries; enabling resumes them, which is also how an endpoint disabled for failing or for " +
    "answering 410 is brought back.",
  scope: "webhooks:write",
  params: { id: EndpointId },
  body: { schema: UpdateWebhookEndpointBody, example: { enabled: false } },
  success: { status: 200, description: "The endpoint as changed.", schema: WebhookEndpointResponseSchema },
  // A field sent as null that cannot be cleared (url, events, enabled) is "missing".
  errors: { 400: ["missing_required_field"], 404: ["webhook_endpoint_not_found"] },
  async handler({ params, body }, c) {
    if (body.url !== undefined) await requireAllowedUrl(c, body.url);
    const { webhook_endpoint } = await callRpc<{ webhook_endpoint: WebhookEndpoint }>(c, "update_webhook_endpoint", {
      id: params.id,
      url: body.url,
      events: body.events,
      enabled: body.enabled,
      // null clears the description; the database takes "" to mean that.
      description: body.description === null ? "" : body.description,
    });
    return { body: { data: { webhook_endpoint } } };
  },
});
