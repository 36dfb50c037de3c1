// The webhook dispatcher inside the Node runner (npm start): drains due deliveries whenever the
// activity trigger's pg_notify arrives (LISTEN webhook_deliveries, on PostgreSQL or PGlite) and
// on a sweep timer, which picks up retries whose time has come and anything a lost
// notification left behind. Any number of runners may share a database: claims are disjoint.
// While the database is out of reach, the sweep keeps trying every interval; that is logged
// once when it starts and once when it ends, not once per sweep.

import postgres from "postgres";
import type { Logger } from "../_shared/log.ts";
import { dispatcherConfig } from "../_shared/webhooks/config.ts";
import { createDispatcher, type Dispatcher } from "../_shared/webhooks/dispatcher.ts";
import { createSqlOutbox } from "../_shared/webhooks/outbox.ts";
import type { OpenedDatabase } from "./database.ts";
import type { NodeEnv } from "./node-env.ts";
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from "./sql-executor.ts";
import { connectFailure } from "./postgres-failure.ts";
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
  const outage = outageReport(logger);
  const kick = () => {
    dispatcher.drain().then(outage.recovered, outage.failed);
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
      outage.failed(error);
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

/**
 * Failures of the dispatcher's database work, reported once per stretch: the first failure
 * (an unreachable database in one line; anything else with its error), then nothing until the
 * first success, which says how long it lasted.
 */
function outageReport(logger: Logger) {
  let since: number | undefined;
  return {
    failed(error: unknown): void {
      if (since !== undefined) return;
      since = Date.now();
      const unreachable = connectFailure(error);
      if (unreachable !== undefined) {
        logger.error("webhook dispatcher: database unavailable; retrying quietly until it is back", { reason: unreachable });
      } else {
        logger.error("webhook dispatch failing; retrying quietly until it succeeds", { error });
      }
    },
    recovered(): void {
      if (since === undefined) return;
      logger.info("webhook dispatcher: database available again", { unavailable_ms: Date.now() - since });
      since = undefined;
    },
  };
}
