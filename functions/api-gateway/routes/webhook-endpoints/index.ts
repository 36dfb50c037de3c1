// /v1/webhook_endpoints routes, with the middleware order of the activity routes:
// body limit (when there is a body) → key syntax → rate limit → handler (validate, one RPC).

import type { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { requireApiKey } from "../../middleware/api-key.ts";
import { bodyLimit } from "../../middleware/body-limit.ts";
import { methodNotAllowed } from "../../middleware/method-not-allowed.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { createWebhookEndpoint } from "./create.ts";
import { deleteWebhookEndpoint } from "./delete.ts";
import { getWebhookEndpoint } from "./get.ts";
import { listWebhookDeliveries } from "./list-deliveries.ts";
import { listWebhookEndpoints } from "./list.ts";
import { retryWebhookDelivery } from "./retry-delivery.ts";
import { rotateWebhookEndpointSecret } from "./rotate-secret.ts";
import { updateWebhookEndpoint } from "./update.ts";

export function registerWebhookEndpointRoutes(app: Hono<AppEnv>): void {
  const base = "/v1/webhook_endpoints";
  app.post(base, bodyLimit(), requireApiKey(), rateLimit(), createWebhookEndpoint);
  app.get(base, requireApiKey(), rateLimit(), listWebhookEndpoints);
  app.all(base, methodNotAllowed(["GET", "POST"]));

  app.get(`${base}/:id`, requireApiKey(), rateLimit(), getWebhookEndpoint);
  app.patch(`${base}/:id`, bodyLimit(), requireApiKey(), rateLimit(), updateWebhookEndpoint);
  app.delete(`${base}/:id`, requireApiKey(), rateLimit(), deleteWebhookEndpoint);
  app.all(`${base}/:id`, methodNotAllowed(["GET", "PATCH", "DELETE"]));

  app.post(`${base}/:id/rotate_secret`, requireApiKey(), rateLimit(), rotateWebhookEndpointSecret);
  app.all(`${base}/:id/rotate_secret`, methodNotAllowed(["POST"]));

  app.get(`${base}/:id/deliveries`, requireApiKey(), rateLimit(), listWebhookDeliveries);
  app.all(`${base}/:id/deliveries`, methodNotAllowed(["GET"]));

  app.post(`${base}/:id/deliveries/:delivery_id/retry`, requireApiKey(), rateLimit(), retryWebhookDelivery);
  app.all(`${base}/:id/deliveries/:delivery_id/retry`, methodNotAllowed(["POST"]));
}
