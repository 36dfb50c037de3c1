// First middleware of every request: gives it an id (returned as X-Request-Id and inside every
// error), puts the services on the context, and writes the one structured log line per request
// when the response is ready: id, method, route, status, latency, workspace — never the key.
// A request no route matched is logged with its path instead (a 404 should say what was
// asked), but never its query string, and with any segment that may be a secret redacted.

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
    const routed = route !== "*" && route !== "/*";
    services.logger.info("request", {
      request_id: requestId,
      method: c.req.method,
      route: routed ? route : null,
      ...(routed ? {} : { path: loggedPath(c.req.path) }),
      status: c.res.status,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
      workspace_id: c.get("workspaceId") ?? null,
      ...(c.res.status >= 400 ? { error_code: c.get("errorCode") ?? null } : {}),
    });
  };
}

const MAX_LOGGED_PATH = 256;
const MAX_LOGGED_SEGMENT = 64;
/** Our own secrets' prefixes: an API key or a webhook signing secret pasted into a URL. */
const SECRET_PREFIX = /wbk_|whsec_/i;

/**
 * The path as it may go into a log: a segment that holds one of our secrets' prefixes, or that
 * is longer than any id we issue (a token of some other kind), becomes "[redacted]"; the whole
 * is cut at 256 characters. JSON escaping keeps control characters from forging log lines.
 */
export function loggedPath(path: string): string {
  const segments = path.split("/").map((segment) => {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // Malformed percent-encoding: judge it as sent.
    }
    return SECRET_PREFIX.test(decoded) || decoded.length > MAX_LOGGED_SEGMENT ? "[redacted]" : segment;
  });
  const joined = segments.join("/");
  return joined.length > MAX_LOGGED_PATH ? `${joined.slice(0, MAX_LOGGED_PATH)}…` : joined;
}
