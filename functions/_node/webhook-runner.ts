// The webhook dispatcher inside the Node runner (npm start): drains due deliveries whenever the
// activity trigger's pg_notify arrives (LISTEN webhook_deliveries, on PostgreSQL or PGlite) and
// on a sweep timer, which picks up retries whose time has come and anything a lost
// notification left behind. Any number of runners may share a database: claims are disjoint.

import postgres from "postgres";
import type { Logger } from "../_shared/log.ts";
import { dispatcherConfig } from "../_shared/webhooks/config.ts";
import { createDispatcher, type Dispatcher } from "../_shared/webhooks/dispatcher.ts";
import { createSqlOutbox } from "../_shared/webhooks/outbox.ts";
import type { OpenedDatabase } from "./database.ts";
import type { NodeEnv } from "./node-env.ts";
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from "./sql-executor.ts";
import { resolveHostWithNodeDns } from "./webhook-dns.ts";
import { createNodeSender } from "./webhook-sender.ts";

export const WEBHOOK_CHANNEL = "webhook_deliveries";

export interface WebhookRunner {
  dispatcher: Dispatcher;
  /** Stops listening and sweeping, and waits for the drain in progress to record its results. */
  stop(): Promise<void>;
}

export async function startWebhookRunner(options: { env: NodeEnv; database: OpenedDatabase; logger: Logger }): Promise<WebhookRunner> {
  const { env, database, logger } = options;
  const executor: SqlExecutor = database.pglite
    ? pgliteExecutor(database.pglite)
    : postgresExecutor(env.DATABASE_URL!, { max: 2 });
  const send = createNodeSender({
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: env.WEBHOOK_MAX_RESPONSE_BYTES,
    allowInsecure: env.WEBHOOKS_ALLOW_INSECURE,
    concurrency: env.WEBHOOK_CONCURRENCY,
    resolve: resolveHostWithNodeDns,
  });
  const dispatcher = createDispatcher({
    outbox: createSqlOutbox(executor),
    send,
    config: dispatcherConfig(env),
    logger,
  });
  const kick = () => {
    dispatcher.drain().catch((error: unknown) => logger.error("webhook dispatch failed", { error }));
  };

  // Never holds up or fails the server's start: without a database now, keep trying to listen
  // (the sweep timer delivers meanwhile, once the database is back).
  let stopped = false;
  let unlisten: () => Promise<void> = async () => {};
  const listen = async (): Promise<void> => {
    try {
      if (database.pglite) {
        unlisten = await database.pglite.listen(WEBHOOK_CHANNEL, kick);
        return;
      }
      const listener = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {}, connection: { application_name: "webhook-dispatcher" } });
      unlisten = async () => {
        await listener.end({ timeout: 5 });
      };
      // The third argument runs on every (re)connect: a notification missed while disconnected
      // is made up for by draining right away.
      await listener.listen(WEBHOOK_CHANNEL, kick, kick);
    } catch (error) {
      await unlisten().catch(() => {});
      logger.warn("webhook dispatcher cannot listen yet; retrying", { error });
      if (!stopped) setTimeout(() => void listen(), 5000).unref();
    }
  };
  void listen();
  const sweep = setInterval(kick, env.WEBHOOK_SWEEP_INTERVAL_MS);
  kick();
  logger.info("webhook dispatcher started", {
    wake_up: database.pglite ? "pglite listen" : "postgres listen",
    sweep_interval_ms: env.WEBHOOK_SWEEP_INTERVAL_MS,
    concurrency: env.WEBHOOK_CONCURRENCY,
    insecure: env.WEBHOOKS_ALLOW_INSECURE,
  });

  return {
    dispatcher,
    async stop() {
      stopped = true;
      clearInterval(sweep);
      await unlisten().catch(() => {});
      // Whatever is in flight finishes and is recorded; a hard kill instead leaves leases,
      // which expire into retries.
      await dispatcher.drain({ budgetMs: 0 }).catch(() => {});
      send.close();
      await executor.close();
    },
  };
}
