// /v1/activities routes and the middleware each needs, in the order the design fixes:
// body limit → key syntax → rate limit → parse/validate (in the handler) → one database call.

import type { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { requireApiKey } from "../../middleware/api-key.ts";
import { bodyLimit } from "../../middleware/body-limit.ts";
import { methodNotAllowed } from "../../middleware/method-not-allowed.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { createActivity } from "./create.ts";
import { getActivity } from "./get.ts";

export function registerActivityRoutes(app: Hono<AppEnv>): void {
  app.post("/v1/activities", bodyLimit(), requireApiKey(), rateLimit(), createActivity);
  app.all("/v1/activities", methodNotAllowed(["POST"]));
  app.get("/v1/activities/:id", requireApiKey(), rateLimit(), getActivity);
  app.all("/v1/activities/:id", methodNotAllowed(["GET"]));
}
