// /v1/webhook_endpoints: the resource's operations, one file each. Adding one is a new file and a
// line here; within a path, the order here is the order of the 405's Allow header.

import type { Resource } from "../../operation/declaration.ts";
import { createWebhookEndpoint } from "./create.ts";
import { deleteWebhookEndpoint } from "./delete.ts";
import { getWebhookEndpoint } from "./get.ts";
import { listWebhookDeliveries } from "./list-deliveries.ts";
import { listWebhookEndpoints } from "./list.ts";
import { retryWebhookDelivery } from "./retry-delivery.ts";
import { rotateWebhookEndpointSecret } from "./rotate-secret.ts";
import {
  CreateWebhookEndpointBody,
  DeletedWebhookEndpointResponseSchema,
  DeliveryAttemptSchema,
  DeliveryListResponseSchema,
  DeliveryResponseSchema,
  DeliverySchema,
  UpdateWebhookEndpointBody,
  WebhookEndpointListResponseSchema,
  WebhookEndpointResponseSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretResponseSchema,
  WebhookEndpointWithSecretSchema,
} from "./schema.ts";
import { updateWebhookEndpoint } from "./update.ts";

export const webhookEndpoints: Resource = {
  tag: { name: "Webhook endpoints", description: "Where activity events (`activity.created`, `activity.updated`, `activity.deleted`) are sent, and what was sent there." },
  operations: [
    listWebhookEndpoints,
    createWebhookEndpoint,
    getWebhookEndpoint,
    updateWebhookEndpoint,
    deleteWebhookEndpoint,
    rotateWebhookEndpointSecret,
    listWebhookDeliveries,
    retryWebhookDelivery,
  ],
  schemas: {
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
  },
};
