// Cloudflare Workers entry (wrangler.toml `main`). Configuration comes from the Worker's vars and
// secrets, validated once per isolate (cached by the identity of the env object the runtime
// passes) together with the rate limiter and the app. The data path: a Hyperdrive binding
// (HYPERDRIVE) or DATABASE_URL → postgres.js over cloudflare:sockets, with a connection per call
// since a socket cannot outlive the request that opened it (Hyperdrive pools behind it); else
// SUPABASE_URL + SUPABASE_ANON_KEY/SUPABASE_PUBLISHABLE_KEY → supabase-js → PostgREST. Work left
// after the response (the rate limiter's sync) goes to the request's ctx.waitUntil, via Hono.
// The isolate's first request also checks, beside it, that the database has the API, and logs
// once what to run when it has not.

import type { ExecutionContext, Hono } from "hono";
import { clientAddressFromHeader } from "../_shared/client-address.ts";
import { chooseDataPath, dataPathLocation, describeDataPath, openDataPath } from "../_shared/db/data-path.ts";
import { probeSchema } from "../_shared/db/schema-probe.ts";
import { configuration } from "../_shared/entry.ts";
import { EnvError, GatewayEnvSchema, parseEnv } from "../_shared/env.ts";
import { ApiError, errorReply, newRequestId } from "../_shared/errors.ts";
import { createJsonLogger } from "../_shared/log.ts";
import { createApp } from "./app.ts";
import type { AppEnv } from "./context.ts";
import { createServices } from "./services.ts";

/** The Worker's env: string vars and secrets, plus an optional Hyperdrive binding. */
export interface WorkerBindings {
  HYPERDRIVE?: { connectionString: string };
  [name: string]: unknown;
}

/** `checkSchema` runs once, on the isolate's first request (a Worker has no I/O outside one). */
type Isolate = { app: Hono<AppEnv>; checkSchema?: () => Promise<void> } | { misconfigured: EnvError };

const isolates = new WeakMap<object, Isolate>();

function isolateFor(bindings: WorkerBindings): Isolate {
  let isolate = isolates.get(bindings);
  if (!isolate) {
    isolate = build(bindings);
    isolates.set(bindings, isolate);
  }
  return isolate;
}

function build(bindings: WorkerBindings): Isolate {
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(bindings)) if (typeof value === "string") raw[name] = value;
  const hyperdrive = bindings.HYPERDRIVE?.connectionString;
  if (hyperdrive) raw.DATABASE_URL = hyperdrive;
  const configured = configuration(() => {
    const env = parseEnv(GatewayEnvSchema, raw);
    return { env, dataPath: chooseDataPath(env) };
  }, console.error);
  // A Worker cannot exit: every request of this isolate answers 500 instead.
  if (configured instanceof EnvError) return { misconfigured: configured };
  const { env, dataPath } = configured;
  const logger = createJsonLogger({ level: env.LOG_LEVEL });
  const db = openDataPath(dataPath, env, { connectionPerCall: true });
  // Cloudflare sets CF-Connecting-IP on every request, overwriting any a client sent.
  const app = createApp(
    createServices(env, db, {
      logger,
      clientAddress: clientAddressFromHeader("cf-connecting-ip"),
      // A socket or fetch belongs to the request that opened it: nothing shared across requests.
      shareIoAcrossRequests: false,
    }),
  );
  logger.info("isolate ready", {
    runtime: "workerd",
    database: hyperdrive ? `${describeDataPath(dataPath)} (Hyperdrive)` : describeDataPath(dataPath),
    rate_limit: env.UPSTASH_REDIS_REST_URL ? "upstash" : "in-memory",
  });
  // A database without the API would answer every request with a 500: say once what to run.
  const checkSchema = async () => {
    const schema = await probeSchema(db, hyperdrive ? "the Hyperdrive binding's database" : dataPathLocation(dataPath));
    if (schema.state === "missing") logger.error(schema.message);
  };
  return { app, checkSchema };
}

export default {
  fetch(request: Request, bindings: WorkerBindings, ctx: ExecutionContext): Response | Promise<Response> {
    const isolate = isolateFor(bindings);
    if ("app" in isolate) {
      if (isolate.checkSchema) {
        ctx.waitUntil(isolate.checkSchema().catch(() => {}));
        isolate.checkSchema = undefined;
      }
      return isolate.app.fetch(request, bindings, ctx);
    }
    // Every request of a misconfigured Worker: a 500 in the API's shape (the cause is logged once).
    const error = new ApiError("internal_error", "The service is misconfigured. Quote the request id when reporting it.");
    const { body, status, headers } = errorReply(error, newRequestId());
    return Response.json(body, { status, headers });
  },
};
