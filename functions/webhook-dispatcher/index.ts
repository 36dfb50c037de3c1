// Supabase Edge Functions entry (Deno) of the webhook dispatcher: the outbound function the
// activity trigger pokes through pg_net (and pg_cron's sweep every few seconds). Connects to
// the database with postgres.js (SUPABASE_DB_URL, or DATABASE_URL) and works as service_role;
// resolves names with Deno.resolveDns for the delivery-time address checks and connects to the
// address it checked (deno-socket.ts), so DNS rebinding cannot redirect a delivery. Configure the poke
// with `select admin.configure_webhook_dispatcher('https://<project>.supabase.co/functions/v1/webhook-dispatcher',
// 'Bearer ' || '<WEBHOOK_DISPATCHER_SECRET>')`. Deploy with verify_jwt = false: the function
// checks its own bearer secret.

import postgres from "postgres";
import { configureOrExit } from "../_shared/entry.ts";
import { parseEnv } from "../_shared/env.ts";
import { createJsonLogger } from "../_shared/log.ts";
import { dispatcherConfig } from "../_shared/webhooks/config.ts";
import { createDispatcher } from "../_shared/webhooks/dispatcher.ts";
import { createSqlOutbox, type OutboxDatabase, type OutboxQuery } from "../_shared/webhooks/outbox.ts";
import { createSocketSender } from "../_shared/webhooks/sender.ts";
import { resolverByRecordType } from "../_shared/webhooks/url-policy.ts";
import { createDispatcherApp } from "./app.ts";
import { denoConnect, type DenoSockets } from "./deno-socket.ts";
import { DispatcherEnvSchema, dispatcherDatabaseUrl } from "./env.ts";

// The slice of the Deno namespace used here, reached through globalThis so the project's tsc
// (Node types) checks this file too.
interface DenoRuntime extends DenoSockets {
  env: { toObject(): Record<string, string> };
  serve(handler: (request: Request) => Response | Promise<Response>): unknown;
  resolveDns(name: string, type: "A" | "AAAA"): Promise<string[]>;
  exit(code: number): never;
}
const { Deno } = globalThis as unknown as { Deno: DenoRuntime };

const { env, databaseUrl } = configureOrExit(
  () => {
    const env = parseEnv(DispatcherEnvSchema, Deno.env.toObject());
    return { env, databaseUrl: dispatcherDatabaseUrl(env) };
  },
  { report: (message) => console.error(message), exit: (code) => Deno.exit(code) },
);
const logger = createJsonLogger({ level: env.LOG_LEVEL });
const sql = postgres(databaseUrl, { max: 4, prepare: env.DATABASE_PREPARE, onnotice: () => {}, connection: { application_name: "webhook-dispatcher" } });
const database: OutboxDatabase = {
  transaction: <T>(work: (tx: OutboxQuery) => Promise<T>) =>
    sql.begin((tx) =>
      work({ query: async <Row>(text: string, params: unknown[] = []) => (await tx.unsafe(text, params as never[])) as unknown as Row[] }),
    ) as Promise<T>,
};

const dispatcher = createDispatcher({
  outbox: createSqlOutbox(database),
  send: createSocketSender({
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: env.WEBHOOK_MAX_RESPONSE_BYTES,
    allowInsecure: env.WEBHOOKS_ALLOW_INSECURE,
    resolve: resolverByRecordType(Deno.resolveDns.bind(Deno)),
    connect: denoConnect(Deno),
  }),
  config: dispatcherConfig(env),
  logger,
});

const app = createDispatcherApp({ dispatcher, secret: env.WEBHOOK_DISPATCHER_SECRET, budgetMs: env.WEBHOOK_DRAIN_BUDGET_MS, logger });
Deno.serve(app.fetch);
