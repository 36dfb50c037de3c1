// The dispatcher: claims due deliveries, sends them with at most `concurrency` requests in
// flight, records every attempt, and schedules the next one from the retry schedule. Several
// instances may run at once on the same outbox: claims are disjoint (SKIP LOCKED) and each
// claimed attempt is sent once, by its claimer. A dispatcher that dies leaves leased rows,
// which become due again when their lease ends — retried, never lost.
//
// Claiming is continuous, not batch-by-batch: whenever enough slots are free it claims more,
// so one slow subscriber holds a slot, not the whole batch. Results are recorded in batches.

import type { Logger } from "../log.ts";
import type { AttemptRecord, ClaimedDelivery, Outcome, WebhookOutbox } from "./outbox.ts";
import type { AttemptResult, Sender } from "./sender.ts";
import { signatureHeaders } from "./signing.ts";

export interface DispatcherConfig {
  /** Delay before each attempt; its length is the number of attempts. */
  retryScheduleMs: readonly number[];
  concurrency: number;
  batchSize: number;
  /** Longer than the send timeout, so that a live dispatcher's lease never runs out mid-send. */
  leaseMs: number;
  disableAfterMs: number;
}

export interface DrainReport {
  claimed: number;
  succeeded: number;
  failed: number;
  recorded: number;
}

export interface Dispatcher {
  /**
   * Sends everything that is due, until nothing due is left (or `budgetMs` has passed: then it
   * stops claiming) and every result is recorded. Calls while a drain runs join it, and make it
   * look for new work once more before it ends.
   */
  drain(options?: { budgetMs?: number }): Promise<DrainReport>;
}

export interface DispatcherDeps {
  outbox: WebhookOutbox;
  send: Sender;
  config: DispatcherConfig;
  logger: Logger;
}

export function decideOutcome(result: AttemptResult, delivery: ClaimedDelivery, schedule: readonly number[]): { outcome: Outcome; retryInMs?: number } {
  const status = result.statusCode;
  if (result.error === undefined && status !== undefined && status >= 200 && status < 300) return { outcome: "succeeded" };
  if (status === 410) return { outcome: "gone" };
  const limit = delivery.attemptLimit ?? schedule.length;
  if (delivery.attempt >= limit || delivery.attempt >= schedule.length) return { outcome: "failed" };
  return { outcome: "retry", retryInMs: schedule[delivery.attempt]! };
}

export function createDispatcher({ outbox, send, config, logger }: DispatcherDeps): Dispatcher {
  let running: Promise<DrainReport> | undefined;
  let lookAgain = false;

  async function attempt(delivery: ClaimedDelivery): Promise<AttemptRecord> {
    const attemptedAt = new Date();
    let result: AttemptResult;
    try {
      const headers = signatureHeaders(`evt_${delivery.eventId}`, attemptedAt, delivery.payload, delivery.secrets);
      result = await send({ url: delivery.url, headers: { ...headers }, body: delivery.payload });
    } catch (error) {
      result = { latencyMs: 0, error: `Not sent: ${error instanceof Error ? error.message : String(error)}` };
    }
    const decision = decideOutcome(result, delivery, config.retryScheduleMs);
    logger.debug("webhook attempt", {
      delivery_id: `del_${delivery.deliveryId}`,
      attempt: delivery.attempt,
      status_code: result.statusCode ?? null,
      latency_ms: result.latencyMs,
      outcome: decision.outcome,
      ...(result.error ? { error: result.error } : {}),
    });
    return {
      deliveryId: delivery.deliveryId,
      leaseToken: delivery.leaseToken,
      attemptedAt,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      ...decision,
    };
  }

  async function run(budgetMs: number | undefined): Promise<DrainReport> {
    const report: DrainReport = { claimed: 0, succeeded: 0, failed: 0, recorded: 0 };
    const deadline = budgetMs === undefined ? Infinity : Date.now() + budgetMs;
    const recorder = createRecorder(outbox, config, logger, report);
    const inFlight = new Set<Promise<void>>();
    // Claim when at least this many slots are free, so claims stay batched under load.
    const claimThreshold = Math.max(1, Math.min(config.batchSize, Math.ceil(config.concurrency / 4)));
    let exhausted = false;
    try {
      for (;;) {
        if (lookAgain) {
          lookAgain = false;
          exhausted = false;
        }
        const free = config.concurrency - inFlight.size;
        if (!exhausted && Date.now() < deadline && (free >= claimThreshold || (free > 0 && inFlight.size === 0))) {
          const wanted = Math.min(config.batchSize, free);
          const claimed = await outbox.claim(wanted, config.leaseMs);
          report.claimed += claimed.length;
          if (claimed.length < wanted) exhausted = true;
          for (const delivery of claimed) {
            const task: Promise<void> = attempt(delivery).then((record) => {
              if (record.outcome === "succeeded") report.succeeded++;
              else report.failed++;
              recorder.add(record);
              inFlight.delete(task);
            });
            inFlight.add(task);
          }
          if (claimed.length > 0) continue;
        }
        if (inFlight.size === 0) {
          if (lookAgain && Date.now() < deadline) continue;
          break;
        }
        await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled(inFlight);
      await recorder.close();
    }
    return report;
  }

  return {
    drain(options = {}) {
      if (running) {
        lookAgain = true;
        return running;
      }
      running = (async () => {
        const total: DrainReport = { claimed: 0, succeeded: 0, failed: 0, recorded: 0 };
        try {
          // A call that arrives after run() saw no more work, but before we return, sets
          // lookAgain: go round once more rather than drop that poke.
          do {
            lookAgain = false;
            const report = await run(options.budgetMs);
            total.claimed += report.claimed;
            total.succeeded += report.succeeded;
            total.failed += report.failed;
            total.recorded += report.recorded;
          } while (lookAgain && options.budgetMs === undefined);
          return total;
        } finally {
          // Synchronously after the last check of lookAgain: no poke can fall in between.
          running = undefined;
        }
      })();
      return running;
    },
  };
}

/** How long a result may wait for others to be written with it: fewer, larger writes. */
const RECORD_DELAY_MS = 25;

/** Collects attempt records and writes them in batches, one write at a time. */
function createRecorder(outbox: WebhookOutbox, config: DispatcherConfig, logger: Logger, report: DrainReport) {
  let buffer: AttemptRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (buffer.length === 0) return writing;
    const batch = buffer;
    buffer = [];
    writing = writing.then(() => write(batch));
    return writing;
  };

  async function write(batch: AttemptRecord[]): Promise<void> {
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        const recorded = await outbox.record(batch, config.disableAfterMs);
        report.recorded += recorded;
        if (recorded < batch.length) {
          logger.warn("webhook results arrived after their lease ended; another dispatcher retries them", {
            late: batch.length - recorded,
          });
        }
        return;
      } catch (error) {
        if (tryNumber >= 3) {
          // The leases run out and the deliveries are attempted again: at least once, never lost.
          logger.error("recording webhook attempts failed; they will be retried when their leases end", {
            count: batch.length,
            error,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * tryNumber));
      }
    }
  }

  return {
    add(record: AttemptRecord) {
      buffer.push(record);
      if (buffer.length >= config.batchSize) void flush();
      else timer ??= setTimeout(() => void flush(), RECORD_DELAY_MS);
    },
    async close() {
      await flush();
      await writing;
    },
  };
}
