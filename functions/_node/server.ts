// Node entry (`npm start`): validate the environment, open the database (embedded PGlite by
// default, Postgres with DATABASE_URL), apply migrations and the demo seed, serve createApp on
// PORT, deliver webhooks in-process, and on SIGTERM/SIGINT stop accepting, finish in-flight
// requests, then close.

import { createHash } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { serve } from "@hono/node-server";
import { databaseLocation, probeSchema } from "../_shared/db/schema-probe.ts";
import { configureOrExit, listenerUrl, listenFailure, START_FAILED, stopGracefullyOnSignals } from "../_shared/entry.ts";
import { parseEnv } from "../_shared/env.ts";
import { createJsonLogger } from "../_shared/log.ts";
import { createApp } from "../api-gateway/app.ts";
import { CREATE_ACTIVITY_EXAMPLE } from "../api-gateway/routes/activities/schema.ts";
import { createServices } from "../api-gateway/services.ts";
import { answerClientErrors } from "./client-errors.ts";
import { migrationFailure } from "./postgres-failure.ts";
import { openDatabase } from "./database.ts";
import { DEMO_SCOPES, demoKeyFile, seedDemo } from "./demo-seed.ts";
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
      throw new Error(migrationFailure(error, env), { cause: error });
    });
    logger.info("migrations", { applied: report.applied, already_applied: report.skipped });
  } else {
    // Not migrating: make sure the database has the API before serving it (one call).
    const schema = await probeSchema(database.api, database.kind === "postgres" ? databaseLocation(env.DATABASE_URL!) : database.description);
    if (schema.state === "missing") throw new Error(schema.message);
    if (schema.state === "unreachable") logger.warn("database unreachable at start; serving, requests get 503 until it is back", { error: String(schema.error) });
    if (schema.state === "unexpected") logger.warn("could not check the database's API at start", { error: schema.error });
  }
  // The embedded database is this process's alone: its switch for development webhook URLs
  // (http to localhost, no address checks) follows WEBHOOKS_ALLOW_INSECURE. On PostgreSQL the
  // operator sets it (README, webhooks).
  if (database.kind === "embedded") {
    await database.admin.query("select admin.allow_insecure_webhook_urls($1)", [env.WEBHOOKS_ALLOW_INSECURE]);
  }
  const demo = env.seedDemo
    ? await seedDemo(database.admin, { demoApiKey: env.DEMO_API_KEY, keyFile: demoKeyFile(env.DATA_DIR, env.DATABASE_URL) })
    : undefined;

  const services = createServices(env, database.api, {
    logger,
    resolveHost: resolveHostWithNodeDns,
    // Node's WebCrypto digest costs a thread-pool round trip; node:crypto hashes a key in-line.
    hashKey: (key) => createHash("sha256").update(key).digest("hex"),
    // @hono/node-server hands each request's IncomingMessage over as the env.
    clientAddress: (_request, env) => (env as { incoming?: IncomingMessage }).incoming?.socket.remoteAddress,
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
  server.once("error", (error) => {
    const reason = listenFailure(error, env.HOST, env.PORT);
    fail(reason ?? (error instanceof Error ? error.message : String(error)));
  });
  answerClientErrors(server, logger);

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

/** One line on stderr and a non-zero exit: how the entry reports that it cannot start. */
function fail(reason: string): never {
  process.stderr.write(`${START_FAILED} ${reason.replaceAll("\n", " ")}\n`);
  process.exit(1);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
