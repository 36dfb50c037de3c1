// The webhook-dispatcher function as a fetch handler (Hono), shared by the Deno/Supabase entry
// and any other runtime: POST with `Authorization: Bearer <WEBHOOK_DISPATCHER_SECRET>` (what the
// pg_net poke and the pg_cron sweep send) drains the due deliveries within a time budget and
// answers with what it did. Anything due beyond the budget waits for the next poke or sweep.

import { Hono } from "hono";
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

export function createDispatcherApp(options: DispatcherAppOptions): Hono {
  const app = new Hono();
  const expected = options.secret === undefined ? undefined : new TextEncoder().encode(`Bearer ${options.secret}`);
  app.post("*", async (c) => {
    const given = new TextEncoder().encode(c.req.header("authorization") ?? "");
    if (expected === undefined || !constantTimeEqual(given, expected)) {
      return c.json({ error: { code: "invalid_key", message: "Send Authorization: Bearer <WEBHOOK_DISPATCHER_SECRET>." } }, 401);
    }
    const started = Date.now();
    const report = await options.dispatcher.drain({ budgetMs: options.budgetMs });
    options.logger.info("webhook drain", { ...report, duration_ms: Date.now() - started });
    return c.json({ data: report }, 200);
  });
  app.all("*", (c) => c.json({ error: { code: "method_not_allowed", message: "POST to run the dispatcher." } }, 405, { Allow: "POST" }));
  return app;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i] ?? 0) ^ b[i]!;
  return difference === 0;
}
