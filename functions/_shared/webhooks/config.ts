// The dispatcher's settings from the validated environment (WEBHOOK_* variables).

import type { DispatcherConfig } from "./dispatcher.ts";
import type { WebhookDeliveryEnv } from "./env.ts";

/** Slack between the send timeout and the lease: recording results takes a moment too. */
const LEASE_MARGIN_MS = 30_000;

export function dispatcherConfig(env: WebhookDeliveryEnv): DispatcherConfig {
  return {
    retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
    concurrency: env.WEBHOOK_CONCURRENCY,
    batchSize: env.WEBHOOK_BATCH_SIZE,
    leaseMs: Math.max(env.WEBHOOK_LEASE_MS ?? env.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS, env.WEBHOOK_TIMEOUT_MS + 1000),
    disableAfterMs: env.WEBHOOK_DISABLE_AFTER,
  };
}
