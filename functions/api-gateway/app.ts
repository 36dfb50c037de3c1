// createApp: the whole API as one Hono router, built from services and started by a thin entry
// per runtime (index.ts for Deno/Supabase, worker.ts for Workers, ../_node/server.ts for Node).
// The routes are the operations of routes/index.ts, which also generate the OpenAPI document the
// app serves.
// One error handler turns every failure into the API's error shape; a 5xx logs its cause and
// tells the client only the request id.

import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, errorReply, internalError } from "../_shared/errors.ts";
import type { AppEnv } from "./context.ts";
import { requestContext } from "./middleware/request-context.ts";
import { routingPath } from "./public-path.ts";
import { registerOperations } from "./operation/pipeline.ts";
import { createApi } from "./routes/index.ts";
import { type ReferenceOptions, registerScalarBundle } from "./routes/reference/scalar-bundle.ts";
import type { Services } from "./services.ts";

/** What only some runtimes provide; see routes/reference/scalar-bundle.ts. */
export type AppOptions = ReferenceOptions;

export function createApp(services: Services, options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ getPath: routingPath });
  app.use("*", requestContext(services));
  registerOperations(app, createApi(options).operations);
  registerScalarBundle(app, options);

  const respond = (c: Context<AppEnv>, error: ApiError) => {
    const requestId = c.get("requestId") ?? "unknown";
    c.set("errorCode", error.code);
    if (error.status >= 500) {
      services.logger.error("request failed", { request_id: requestId, code: error.code, error: error.cause ?? error });
    }
    const { body, status, headers } = errorReply(error, requestId);
    return c.json(body, status, headers);
  };
  app.notFound((c) => respond(c, new ApiError("not_found", "No such route. See the API reference for the available ones.")));
  app.onError((thrown, c) => respond(c, asApiError(thrown)));

  return app;
}

function asApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  if (thrown instanceof HTTPException && thrown.status === 413) {
    return new ApiError("payload_too_large", "The request body is too large.");
  }
  return internalError(thrown);
}
