// One database (a fresh PostgreSQL database, or an in-memory PGlite) with the migrations, the
// gateway app over it in-process, and dispatchers built from the shared core on their own
// connections, sending with the shared socket sender (what the edge dispatcher runs) over
// node:net — so the webhook suites run the same way on both engines. Every response the
// suites get from the app is checked against the OpenAPI document (status, headers, body).

import { PGlite } from "@electric-sql/pglite";
import type { Hono } from "hono";
import { createPgliteDatabase } from "../../functions/_shared/db/pglite.ts";
import { createPostgresDatabase } from "../../functions/_shared/db/postgres.ts";
import type { Database } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createDispatcher, type Dispatcher, type DispatcherConfig } from "../../functions/_shared/webhooks/dispatcher.ts";
import { createSqlOutbox, type WebhookOutbox } from "../../functions/_shared/webhooks/outbox.ts";
import { createSocketSender, type SocketSenderOptions } from "../../functions/_shared/webhooks/sender.ts";
import type { HostResolver } from "../../functions/_shared/webhooks/url-policy.ts";
import { migrate } from "../../functions/_node/migrations.ts";
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from "../../functions/_node/sql-executor.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import type { AppEnv } from "../../functions/api-gateway/context.ts";
import { apiDocument } from "../../functions/api-gateway/routes/index.ts";
import { createServices } from "../../functions/api-gateway/services.ts";
import { Fixtures } from "../support/fixtures.ts";
import { nodeConnect } from "../support/node-connect.ts";
import { checkingResponses } from "../support/openapi-responses.ts";
import { createTestDatabase } from "../support/test-database.ts";

export type Engine = "postgres" | "pglite";

export interface DispatcherOptions extends Partial<DispatcherConfig> {
  timeoutMs?: number;
  sender?: Partial<SocketSenderOptions>;
}

export interface WebhookHarness {
  engine: Engine;
  admin: SqlExecutor;
  /** The API's own database path (role anon, key in request.headers), as PostgREST calls it. */
  database: Database;
  fixtures: Fixtures;
  app: Hono<AppEnv>;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A dispatcher on connections of its own, like another process's. */
  dispatcher(options?: DispatcherOptions): { dispatcher: Dispatcher; outbox: WebhookOutbox };
  close(): Promise<void>;
}

export const FAST_CONFIG: DispatcherConfig = {
  retryScheduleMs: [0, 50, 50, 50, 50, 50, 50, 50],
  concurrency: 16,
  batchSize: 20,
  leaseMs: 5_000,
  disableAfterMs: 5 * 86_400_000,
};

export async function openHarness(engine: Engine, options: { resolveHost?: HostResolver; allowInsecure?: boolean } = {}): Promise<WebhookHarness> {
  const closers: Array<() => Promise<void>> = [];
  let admin: SqlExecutor;
  let api: Database;
  let outboxExecutor: () => SqlExecutor;
  if (engine === "postgres") {
    const database = await createTestDatabase("webhooks");
    admin = database.admin;
    api = createPostgresDatabase({ url: database.apiUrl, max: 4 });
    outboxExecutor = () => {
      const executor = postgresExecutor(database.apiUrl, { max: 2 });
      closers.push(() => executor.close());
      return executor;
    };
    closers.push(() => api.close(), () => database.drop());
  } else {
    const pg = await PGlite.create();
    admin = pgliteExecutor(pg);
    await migrate(admin);
    api = createPgliteDatabase(pg);
    outboxExecutor = () => pgliteExecutor(pg);
    closers.push(() => api.close());
  }
  // The database's own development switch follows the gateway's, as the Node entry sets it.
  const allowInsecure = options.allowInsecure !== false;
  await admin.query("select admin.allow_insecure_webhook_urls($1)", [allowInsecure]);
  const env = parseEnv(GatewayEnvSchema, {
    RATE_LIMIT_REQUESTS: "100000",
    WEBHOOKS_ALLOW_INSECURE: allowInsecure ? "1" : "0",
  });
  const app = createApp(createServices(env, api, { logger: silentLogger, resolveHost: options.resolveHost }));
  return {
    engine,
    admin,
    database: api,
    fixtures: new Fixtures(admin),
    app,
    request: checkingResponses(async (path, init) => app.request(path, init), apiDocument()),
    dispatcher(opts = {}) {
      const { timeoutMs = 5_000, sender, ...config } = opts;
      const outbox = createSqlOutbox(outboxExecutor());
      const dispatcher = createDispatcher({
        outbox,
        send: createSocketSender({ timeoutMs, maxResponseBytes: 4096, allowInsecure: true, connect: nodeConnect(), ...sender }),
        config: { ...FAST_CONFIG, ...config },
        logger: silentLogger,
      });
      return { dispatcher, outbox };
    },
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

/** JSON request helpers against the harness's app. */
export function client(h: WebhookHarness, key: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await h.request(path, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as any), headers: response.headers };
  };
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body?: unknown) => call("POST", path, body),
    patch: (path: string, body: unknown) => call("PATCH", path, body),
    delete: (path: string) => call("DELETE", path),
  };
}
