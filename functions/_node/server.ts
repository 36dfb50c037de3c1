// Node entry (`npm start`): validate the environment, open the database (embedded PGlite by
// default, Postgres with DATABASE_URL), apply migrations and the demo seed, serve createApp on
// PORT, deliver webhooks in-process, and on SIGTERM/SIGINT stop accepting, finish in-flight
// requests, then close.

import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { configureOrExit, listenerUrl, stopGracefullyOnSignals } from "../_shared/entry.ts";
import { parseEnv } from "../_shared/env.ts";
import { createJsonLogger } from "../_shared/log.ts";
import { createApp } from "../api-gateway/app.ts";
import { CREATE_ACTIVITY_EXAMPLE } from "../api-gateway/routes/activities/schema.ts";
import { createServices } from "../api-gateway/services.ts";
import { openDatabase } from "./database.ts";
import { DEMO_SCOPES, seedDemo } from "./demo-seed.ts";
import { migrate } from "./migrations.ts";
import { NodeEnvSchema } from "./node-env.ts";
import { findScalarBundle } from "./scalar-bundle.ts";
import { resolveHostWithNodeDns } from "./webhook-dns.ts";
import { startWebhookRunner, type WebhookRunner } from "./webhook-runner.ts";

async function main(): Promise<void> {
  const env = configureOrExit(() => parseEnv(NodeEnvSchema, process.env), {
    report: (message) => process.stderr.write(`${message}\n`),
    exit: (code) => process.exit(code),
  });
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
  // The embedded database is this process's alone: its switch for development webhook URLs
  // (http to localhost, no address checks) follows WEBHOOKS_ALLOW_INSECURE. On PostgreSQL the
  // operator sets it (README, webhooks).
  if (database.kind === "embedded") {
    await database.admin.query("select admin.allow_insecure_webhook_urls($1)", [env.WEBHOOKS_ALLOW_INSECURE]);
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
    const base = listenerUrl(info.address, info.port);
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

  stopGracefullyOnSignals({
    logger,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    drain: async () => {
      // Keep-alive connections that finish their request after close() would hold it open.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(sweep);
      await webhooks?.stop();
      await database.close();
    },
    exit: (code) => process.exit(code),
    onSignal: (signal, listener) => process.on(signal, listener),
  });
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
