// The webhook-dispatcher function as a fetch handler (Hono), shared by the Deno/Supabase entry
// and any other runtime: POST with `Authorization: Bearer <WEBHOOK_DISPATCHER_SECRET>` (what the
// pg_net poke and the pg_cron sweep send) drains the due deliveries within a time budget and
// answers with what it did. Anything due beyond the budget waits for the next poke or sweep.
// Like every response of the API, each carries X-Request-Id, and an error is the API's error
// shape with that request id (a 500 logs its cause under it).

import { Hono } from "hono";
import { ApiError, errorReply, internalError, newRequestId } from "../_shared/errors.ts";
import type { Logger } from "../_shared/log.ts";
import type { Dispatcher } from "../_shared/webhooks/dispatcher.ts";

export interface DispatcherAppOptions {
  dispatcher: Dispatcher;
  /** Required bearer token; without one configured every request is refused (fail closed). */
  secret: string | undefined;
  /** Stop claiming after this long; in-flight sends still finish (edge functions have a wall clock). */
  budgetMs: number;
  logger: Logger;
}

type DispatcherEnv = { Variables: { requestId: string } };

export function createDispatcherApp(options: DispatcherAppOptions): Hono<DispatcherEnv> {
  const { dispatcher, budgetMs, logger } = options;
  const app = new Hono<DispatcherEnv>();
  const expected = options.secret === undefined ? undefined : new TextEncoder().encode(`Bearer ${options.secret}`);
  app.use("*", async (c, next) => {
    const requestId = newRequestId();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    await next();
  });
  app.post("*", async (c) => {
    const given = new TextEncoder().encode(c.req.header("authorization") ?? "");
    if (expected === undefined || !constantTimeEqual(given, expected)) {
      throw new ApiError("invalid_key", "Send Authorization: Bearer <WEBHOOK_DISPATCHER_SECRET>.", {
        headers: { "WWW-Authenticate": 'Bearer realm="webhook-dispatcher"' },
      });
    }
    const started = Date.now();
    const report = await dispatcher.drain({ budgetMs });
    logger.info("webhook drain", { request_id: c.var.requestId, ...report, duration_ms: Date.now() - started });
    return c.json({ data: report }, 200);
  });
  app.all("*", () => {
    throw new ApiError("method_not_allowed", "POST to run the dispatcher.", { headers: { Allow: "POST" } });
  });
  app.onError((thrown, c) => {
    const error = thrown instanceof ApiError ? thrown : internalError(thrown);
    if (error.status >= 500) logger.error("webhook drain failed", { request_id: c.var.requestId, error: error.cause ?? error });
    const { body, status, headers } = errorReply(error, c.var.requestId);
    return c.json(body, status, headers);
  });
  return app;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i] ?? 0) ^ b[i]!;
  return difference === 0;
}
