// Node entry (`npm start`): validate the environment, open the database (embedded PGlite by
// default, Postgres with DATABASE_URL), apply migrations and the demo seed, serve createApp on
// PORT, and on SIGTERM/SIGINT stop accepting, finish in-flight requests, then close.

import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { EnvError, parseEnv } from "../_shared/env.ts";
import { createJsonLogger } from "../_shared/log.ts";
import { openDatabase } from "../_node/database.ts";
import { DEMO_SCOPES, seedDemo } from "../_node/demo-seed.ts";
import { migrate } from "../_node/migrations.ts";
import { type NodeEnv, NodeEnvSchema } from "../_node/node-env.ts";
import { findScalarBundle } from "../_node/scalar-bundle.ts";
import { resolveHostWithNodeDns } from "../_node/webhook-dns.ts";
import { startWebhookRunner, type WebhookRunner } from "../_node/webhook-runner.ts";
import { createApp } from "./app.ts";
import { CREATE_ACTIVITY_EXAMPLE } from "./routes/activities/schema.ts";
import { createServices } from "./services.ts";

async function main(): Promise<void> {
  let env: NodeEnv;
  try {
    env = parseEnv(NodeEnvSchema, process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createJsonLogger({ level: env.LOG_LEVEL, batch: true, write: (lines) => process.stdout.write(lines) });
  const database = await openDatabase(env);

  if (env.migrate) {
    const report = await migrate(database.admin).catch((error: unknown) => {
      throw new Error(
        `Applying migrations failed${database.kind === "postgres" && !env.DATABASE_ADMIN_URL ? " (if DATABASE_URL's role may not change the schema, set DATABASE_ADMIN_URL to an owner's URL, or MIGRATE=0)" : ""}: ${(error as Error).message}`,
        { cause: error },
      );
    });
    logger.info("migrations", { applied: report.applied, already_applied: report.skipped });
  }
  const demo = env.seedDemo
    ? await seedDemo(database.admin, { demoApiKey: env.DEMO_API_KEY, keyFile: join(env.DATA_DIR, "demo-api-key") })
    : undefined;

  const services = createServices(env, database.api, {
    logger,
    resolveHost: resolveHostWithNodeDns,
    // Node's WebCrypto digest costs a thread-pool round trip; node:crypto hashes a key in-line.
    hashKey: (key) => createHash("sha256").update(key).digest("hex"),
    waitUntil: (promise) => {
      promise.catch((error: unknown) => logger.warn("background task failed", { error }));
    },
  });
  // GET /docs serves Scalar's bundle from here when it is installed (not from a CDN).
  const app = createApp(services, { scalarBundle: await findScalarBundle() });
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    const base = `http://${info.address.includes(":") ? `[${info.address}]` : info.address}:${info.port}`;
    logger.info("listening", {
      url: base,
      database: database.description,
      rate_limit: env.UPSTASH_REDIS_REST_URL ? "upstash" : "in-memory",
    });
    if (demo) printWelcome(base, demo.apiKey);
  }) as Server;

  // Webhooks: this process also delivers activity.created to subscribers (woken by the
  // trigger's pg_notify, plus a sweep timer for retries). WEBHOOKS_DISPATCHER=0 leaves that to
  // other instances.
  let webhooks: WebhookRunner | undefined;
  if (env.webhooksDispatcher) webhooks = await startWebhookRunner({ env, database, logger });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    const force = setTimeout(() => {
      logger.error("shutdown timed out; exiting with requests still open", { timeout_ms: env.SHUTDOWN_TIMEOUT_MS });
      logger.flush?.();
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    // Keep-alive connections that finish their request after close() would hold it open.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(async () => {
      clearInterval(sweep);
      await webhooks?.stop();
      await database.close();
      clearTimeout(force);
      logger.info("stopped");
      logger.flush?.();
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function printWelcome(base: string, apiKey: string): void {
  const body = JSON.stringify(CREATE_ACTIVITY_EXAMPLE);
  process.stderr.write(
    [
      "",
      `Demo API key (scopes ${DEMO_SCOPES.join(", ")}): ${apiKey}`,
      "Try the doc's example:",
      "",
      `curl -i -X POST ${base}/functions/v1/api-gateway/v1/activities \\`,
      `  -H "Authorization: Bearer ${apiKey}" \\`,
      `  -H "Content-Type: application/json" \\`,
      `  -d '${body}'`,
      "",
      `API reference: ${base}/docs (OpenAPI document: ${base}/v1/openapi.json)`,
      "",
    ].join("\n") + "\n",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`api-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
