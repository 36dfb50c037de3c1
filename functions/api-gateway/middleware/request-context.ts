// First middleware of every request: gives it an id (returned as X-Request-Id and inside every
// error), puts the services on the context, and writes the one structured log line per request
// when the response is ready: id, method, route, status, latency, workspace — never the key.

import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { newRequestId } from "../../_shared/errors.ts";
import type { AppEnv } from "../context.ts";
import type { Services } from "../services.ts";

export function requestContext(services: Services): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const started = performance.now();
    const requestId = newRequestId();
    c.set("requestId", requestId);
    c.set("services", services);
    c.header("X-Request-Id", requestId);
    c.header("Cache-Control", "no-store");
    await next();
    const route = routePath(c, -1);
    services.logger.info("request", {
      request_id: requestId,
      method: c.req.method,
      route: route === "*" || route === "/*" ? null : route,
      status: c.res.status,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
      workspace_id: c.get("workspaceId") ?? null,
      ...(c.res.status >= 400 ? { error_code: c.get("errorCode") ?? null } : {}),
    });
  };
}
