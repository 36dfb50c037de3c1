// Supabase Edge Functions entry (Deno). On Supabase the runtime routes
// /functions/v1/api-gateway/… here as /api-gateway/…, sets SUPABASE_URL, SUPABASE_ANON_KEY and
// SUPABASE_DB_URL, and gives EdgeRuntime.waitUntil; under plain `deno run` it serves on
// HOST:PORT (default 127.0.0.1:8000) and stops gracefully on SIGTERM/SIGINT. Everything is
// built once per isolate: the environment is validated, the data path chosen (postgres.js for
// DATABASE_URL, else supabase-js → PostgREST), and the rate limiter created at module scope.
// Before listening, one call checks that the database has the API (else: one line, exit 1).
// Imports resolve through deno.json (npm: specifiers).

import * as v from "valibot";
import { clientAddressFromHeader } from "../_shared/client-address.ts";
import { chooseDataPath, dataPathLocation, describeDataPath, openDataPath } from "../_shared/db/data-path.ts";
import { probeSchema, type SchemaState } from "../_shared/db/schema-probe.ts";
import { configureOrExit, listenerUrl, listenFailure, START_FAILED, stopGracefullyOnSignals } from "../_shared/entry.ts";
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
    handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
  serve(handler: (request: Request) => Response | Promise<Response>): unknown;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
  resolveDns?(name: string, type: "A" | "AAAA"): Promise<string[]>;
}
interface DenoServeInfo {
  remoteAddr: { hostname: string };
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
  // Supabase's platform appends the address it saw to X-Forwarded-For; plain Deno hands each
  // request's remote address to app.fetch as the env (see Deno.serve below).
  clientAddress: EdgeRuntime
    ? clientAddressFromHeader("x-forwarded-for")
    : (_request: Request, env: unknown) => (env as Partial<DenoServeInfo> | undefined)?.remoteAddr?.hostname,
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

/** One line on stderr and a non-zero exit: how the entry reports that it cannot start. */
function fail(reason: string): never {
  console.error(`${START_FAILED} ${reason}`);
  return Deno.exit(1);
}

/** Logs what the start-up check of the database found, unless it is ready. */
function reportSchema(schema: SchemaState): void {
  if (schema.state === "missing") logger.error(schema.message);
  if (schema.state === "unreachable") logger.warn("database unreachable at start; serving, requests get 503 until it is back", { error: String(schema.error) });
  if (schema.state === "unexpected") logger.warn("could not check the database's API at start", { error: schema.error });
}

if (EdgeRuntime) {
  // The edge runtime owns the listener and the isolate's lifetime; the check of the database
  // must not delay the isolate's first request, so it runs beside it and only logs.
  Deno.serve(app.fetch);
  logger.info("serving", { runtime: "supabase-edge", database: describeDataPath(dataPath), rate_limit: rateLimit });
  EdgeRuntime.waitUntil(probeSchema(db, dataPathLocation(dataPath)).then(reportSchema));
} else {
  // A plain Deno process checks once before listening, and does not serve a database without the API.
  const schema = await probeSchema(db, dataPathLocation(dataPath));
  if (schema.state === "missing") fail(schema.message);
  reportSchema(schema);
  let server: { finished: Promise<void>; shutdown(): Promise<void> };
  try {
    server = Deno.serve(
      {
        port: env.PORT,
        hostname: env.HOST,
        onListen: ({ hostname, port }) => {
          logger.info("listening", { url: listenerUrl(hostname, port), runtime: "deno", database: describeDataPath(dataPath), rate_limit: rateLimit });
        },
      },
      (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr }),
    );
  } catch (error) {
    fail(listenFailure(error, env.HOST, env.PORT) ?? (error instanceof Error ? error.message : String(error)));
  }

  stopGracefullyOnSignals({
    logger,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    // shutdown(): stop accepting, let in-flight requests finish; then close the database.
    drain: () => server.shutdown().then(() => db.close()),
    exit: (code) => Deno.exit(code),
    onSignal: (signal, listener) => Deno.addSignalListener(signal, listener),
  });
}
