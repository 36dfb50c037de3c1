// Supabase Edge Functions entry (Deno). On Supabase the runtime routes
// /functions/v1/api-gateway/… here as /api-gateway/…, sets SUPABASE_URL, SUPABASE_ANON_KEY and
// SUPABASE_DB_URL, and gives EdgeRuntime.waitUntil; under plain `deno run` it serves on
// HOST:PORT (default 127.0.0.1:8000) and stops gracefully on SIGTERM/SIGINT. Everything is
// built once per isolate: the environment is validated, the data path chosen (postgres.js for
// DATABASE_URL, else supabase-js → PostgREST), and the rate limiter created at module scope.
// Imports resolve through deno.json (npm: specifiers).

import * as v from "valibot";
import { chooseDataPath, describeDataPath, openDataPath } from "../_shared/db/data-path.ts";
import { configureOrExit, listenerUrl, stopGracefullyOnSignals } from "../_shared/entry.ts";
import { GatewayEnvSchema, parseEnv } from "../_shared/env.ts";
import { listenerFields } from "../_shared/env-fields.ts";
import { resolverByRecordType } from "../_shared/webhooks/url-policy.ts";
import { createJsonLogger } from "../_shared/log.ts";
import { createApp } from "./app.ts";
import { createServices } from "./services.ts";

// The slice of the Deno namespace used here. Reached through globalThis so that the project's
// tsc (Node types) also checks this file; `deno check` and the Deno contract tests cover the rest.
interface DenoRuntime {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port: number; hostname: string; onListen(address: { hostname: string; port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
  serve(handler: (request: Request) => Response | Promise<Response>): unknown;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
  resolveDns?(name: string, type: "A" | "AAAA"): Promise<string[]>;
}
interface SupabaseEdgeRuntime {
  waitUntil(promise: Promise<unknown>): void;
}
const { Deno, EdgeRuntime } = globalThis as unknown as { Deno: DenoRuntime; EdgeRuntime?: SupabaseEdgeRuntime };

const DenoEnvSchema = v.intersect([
  GatewayEnvSchema,
  v.object(listenerFields(8000)),
]);

const { env, dataPath } = configureOrExit(
  () => {
    const env = parseEnv(DenoEnvSchema, Deno.env.toObject());
    return { env, dataPath: chooseDataPath(env) };
  },
  { report: (message) => console.error(message), exit: (code) => Deno.exit(code) },
);

const logger = createJsonLogger({ level: env.LOG_LEVEL });
const db = openDataPath(dataPath, env);
// Webhook endpoint URLs are checked against private addresses when created, where DNS exists.
const resolveHost = Deno.resolveDns ? resolverByRecordType(Deno.resolveDns.bind(Deno)) : undefined;
const services = createServices(env, db, {
  logger,
  ...(resolveHost ? { resolveHost } : {}),
  // Supabase's runtime keeps the isolate alive for work handed to it after the response; a
  // plain Deno process simply lets it run.
  waitUntil: EdgeRuntime
    ? (promise: Promise<unknown>) => EdgeRuntime.waitUntil(promise)
    : (promise: Promise<unknown>) => {
        promise.catch((error: unknown) => logger.warn("background task failed", { error }));
      },
});
const app = createApp(services);
const rateLimit = env.UPSTASH_REDIS_REST_URL ? "upstash" : "in-memory";

if (EdgeRuntime) {
  // The edge runtime owns the listener and the isolate's lifetime.
  Deno.serve(app.fetch);
  logger.info("serving", { runtime: "supabase-edge", database: describeDataPath(dataPath), rate_limit: rateLimit });
} else {
  const server = Deno.serve(
    {
      port: env.PORT,
      hostname: env.HOST,
      onListen: ({ hostname, port }) => {
        logger.info("listening", { url: listenerUrl(hostname, port), runtime: "deno", database: describeDataPath(dataPath), rate_limit: rateLimit });
      },
    },
    app.fetch,
  );

  stopGracefullyOnSignals({
    logger,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    // shutdown(): stop accepting, let in-flight requests finish; then close the database.
    drain: () => server.shutdown().then(() => db.close()),
    exit: (code) => Deno.exit(code),
    onSignal: (signal, listener) => Deno.addSignalListener(signal, listener),
  });
}
