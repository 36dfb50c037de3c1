// /v1/webhook_endpoints operations, with the middleware order of the activity routes:
// body limit (when there is a body) → key syntax → rate limit → handler (validate, one RPC).
// The same declarations generate the API document. Within a path, the order here is the order
// of the 405's Allow header.

import type { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { type Operation, registerOperations } from "../../operation.ts";
import { createWebhookEndpoint } from "./create.ts";
import { deleteWebhookEndpoint } from "./delete.ts";
import { getWebhookEndpoint } from "./get.ts";
import { listWebhookDeliveries } from "./list-deliveries.ts";
import { listWebhookEndpoints } from "./list.ts";
import { retryWebhookDelivery } from "./retry-delivery.ts";
import { rotateWebhookEndpointSecret } from "./rotate-secret.ts";
import { updateWebhookEndpoint } from "./update.ts";
import {
  CREATE_WEBHOOK_ENDPOINT_EXAMPLE,
  CreateWebhookEndpointBody,
  DeletedWebhookEndpointResponseSchema,
  DeliveryAttemptSchema,
  DeliveryIdParam,
  DeliveryListResponseSchema,
  DeliveryResponseSchema,
  DeliverySchema,
  EndpointIdParam,
  ListDeliveriesQuery,
  ListEndpointsQuery,
  UpdateWebhookEndpointBody,
  WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE,
  WebhookEndpointListResponseSchema,
  WebhookEndpointResponseSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretResponseSchema,
  WebhookEndpointWithSecretSchema,
} from "./schema.ts";

const TAG = "Webhook endpoints";
const BASE = "/v1/webhook_endpoints";

export const webhookEndpointOperations: Operation[] = [
  {
    method: "get",
    path: BASE,
    operationId: "listWebhookEndpoints",
    tag: TAG,
    summary: "List webhook endpoints",
    description: "The workspace's endpoints, newest first, `limit` per page; never their secrets.",
    scope: "webhooks:read",
    query: ListEndpointsQuery,
    success: { status: 200, description: "A page of endpoints.", schema: WebhookEndpointListResponseSchema },
    // An unknown starting_after (param "starting_after").
    errors: { 404: ["webhook_endpoint_not_found"] },
    handler: listWebhookEndpoints,
  },
  {
    method: "post",
    path: BASE,
    operationId: "createWebhookEndpoint",
    tag: TAG,
    summary: "Create a webhook endpoint",
    description:
      "Subscribes a URL to events. The response is the only place the endpoint's signing `secret` is ever shown. " +
      "At most 20 endpoints per workspace.",
    scope: "webhooks:write",
    body: { schema: CreateWebhookEndpointBody, example: CREATE_WEBHOOK_ENDPOINT_EXAMPLE },
    success: {
      status: 201,
      description: "Created, with its signing secret. `Location` is the endpoint's URL.",
      schema: WebhookEndpointWithSecretResponseSchema,
      example: WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE,
      location: true,
    },
    errors: { 400: ["missing_required_field"], 409: ["webhook_endpoint_limit_reached"] },
    handler: createWebhookEndpoint,
  },
  {
    method: "get",
    path: `${BASE}/{id}`,
    operationId: "getWebhookEndpoint",
    tag: TAG,
    summary: "Get a webhook endpoint",
    description: "One endpoint, without its secret.",
    scope: "webhooks:read",
    pathParams: { id: EndpointIdParam },
    success: { status: 200, description: "The endpoint.", schema: WebhookEndpointResponseSchema },
    errors: { 404: ["webhook_endpoint_not_found"] },
    handler: getWebhookEndpoint,
  },
  {
    method: "patch",
    path: `${BASE}/{id}`,
    operationId: "updateWebhookEndpoint",
    tag: TAG,
    summary: "Update a webhook endpoint",
    description:
      "Changes what it is given: `url`, `events`, `description` (null clears it), or `enabled`. Disabling parks the " +
      "endpoint's pending deliveries; enabling resumes them, which is also how an endpoint disabled for failing or for " +
      "answering 410 is brought back.",
    scope: "webhooks:write",
    pathParams: { id: EndpointIdParam },
    body: { schema: UpdateWebhookEndpointBody, example: { enabled: false } },
    success: { status: 200, description: "The endpoint as changed.", schema: WebhookEndpointResponseSchema },
    // A field sent as null that cannot be cleared (url, events, enabled) is "missing".
    errors: { 400: ["missing_required_field"], 404: ["webhook_endpoint_not_found"] },
    handler: updateWebhookEndpoint,
  },
  {
    method: "delete",
    path: `${BASE}/{id}`,
    operationId: "deleteWebhookEndpoint",
    tag: TAG,
    summary: "Delete a webhook endpoint",
    description: "Removes the endpoint, its secrets and its delivery history. Nothing more is sent to it.",
    scope: "webhooks:write",
    pathParams: { id: EndpointIdParam },
    success: { status: 200, description: "Deleted.", schema: DeletedWebhookEndpointResponseSchema },
    errors: { 404: ["webhook_endpoint_not_found"] },
    handler: deleteWebhookEndpoint,
  },
  {
    method: "post",
    path: `${BASE}/{id}/rotate_secret`,
    operationId: "rotateWebhookEndpointSecret",
    tag: TAG,
    summary: "Rotate an endpoint's signing secret",
    description:
      "Issues a new signing secret, shown only in this response. For 24 hours messages carry a signature by the " +
      "previous secret too, so a subscriber can switch without rejecting anything.",
    scope: "webhooks:write",
    pathParams: { id: EndpointIdParam },
    success: { status: 200, description: "The endpoint with its new secret.", schema: WebhookEndpointWithSecretResponseSchema },
    errors: { 404: ["webhook_endpoint_not_found"] },
    handler: rotateWebhookEndpointSecret,
  },
  {
    method: "get",
    path: `${BASE}/{id}/deliveries`,
    operationId: "listWebhookDeliveries",
    tag: TAG,
    summary: "List an endpoint's deliveries",
    description: "What was sent to the endpoint, newest first, each delivery with every attempt: time, status code, latency, error.",
    scope: "webhooks:read",
    pathParams: { id: EndpointIdParam },
    query: ListDeliveriesQuery,
    success: { status: 200, description: "A page of deliveries.", schema: DeliveryListResponseSchema },
    // delivery_not_found: an unknown starting_after.
    errors: { 404: ["webhook_endpoint_not_found", "delivery_not_found"] },
    handler: listWebhookDeliveries,
  },
  {
    method: "post",
    path: `${BASE}/{id}/deliveries/{delivery_id}/retry`,
    operationId: "retryWebhookDelivery",
    tag: TAG,
    summary: "Retry a delivery",
    description: "Sends a delivery again now: a failed or succeeded one gets one more attempt, a pending one is brought forward.",
    scope: "webhooks:write",
    pathParams: { id: EndpointIdParam, delivery_id: DeliveryIdParam },
    success: { status: 202, description: "Queued for an attempt now.", schema: DeliveryResponseSchema },
    errors: { 404: ["webhook_endpoint_not_found", "delivery_not_found"], 409: ["webhook_endpoint_disabled"] },
    handler: retryWebhookDelivery,
  },
];

/** Named in the document's components.schemas. */
export const webhookEndpointSchemas = {
  WebhookEndpoint: WebhookEndpointSchema,
  WebhookEndpointWithSecret: WebhookEndpointWithSecretSchema,
  Delivery: DeliverySchema,
  DeliveryAttempt: DeliveryAttemptSchema,
  WebhookEndpointResponse: WebhookEndpointResponseSchema,
  WebhookEndpointWithSecretResponse: WebhookEndpointWithSecretResponseSchema,
  WebhookEndpointList: WebhookEndpointListResponseSchema,
  DeletedWebhookEndpointResponse: DeletedWebhookEndpointResponseSchema,
  DeliveryResponse: DeliveryResponseSchema,
  DeliveryList: DeliveryListResponseSchema,
  CreateWebhookEndpointRequest: CreateWebhookEndpointBody,
  UpdateWebhookEndpointRequest: UpdateWebhookEndpointBody,
};

export function registerWebhookEndpointRoutes(app: Hono<AppEnv>): void {
  registerOperations(app, webhookEndpointOperations);
}
