// The webhook variables, in two parts: the URL rules (the gateway checks endpoint URLs with
// them, the dispatcher checks again at delivery) and the delivery settings (only where a
// dispatcher runs: the Node runner and the webhook-dispatcher function). Durations use the rate
// limit's syntax ("5s", "500 ms", "2h", "5d"); the retry schedule is a comma-separated list.

import * as v from "valibot";
import { duration, flag, parseDuration, wholeNumber } from "../env-fields.ts";

/** "0,5s,5m,…": the delay before each attempt (the first is usually 0, "immediately"). */
export function parseRetrySchedule(text: string): number[] | undefined {
  const delays = text.split(",").map((delay) => parseDuration(delay, { zero: true }));
  if (delays.length === 0 || delays.length > 50 || delays.some((delay) => delay === undefined)) return undefined;
  return delays as number[];
}

export const DEFAULT_RETRY_SCHEDULE = "0,5s,5m,30m,2h,5h,10h,10h";
/** How long a subscriber has to answer, unless WEBHOOK_TIMEOUT_MS says otherwise. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export const webhookUrlFields = {
  /** Tests and local development: http:// to loopback hosts, and no address checks. */
  WEBHOOKS_ALLOW_INSECURE: flag(false),
};

export const webhookDeliveryFields = {
  WEBHOOK_TIMEOUT_MS: wholeNumber(DEFAULT_WEBHOOK_TIMEOUT_MS, 100, 120_000),
  WEBHOOK_RETRY_SCHEDULE: v.pipe(
    v.optional(v.string(), DEFAULT_RETRY_SCHEDULE),
    v.check((text) => parseRetrySchedule(text) !== undefined, 'must be a list of durations like "0,5s,5m,30m,2h"'),
    v.transform((text) => parseRetrySchedule(text)!),
  ),
  /** Requests in flight per dispatcher instance. */
  WEBHOOK_CONCURRENCY: wholeNumber(64, 1, 1000),
  /** Deliveries claimed per database round trip. */
  WEBHOOK_BATCH_SIZE: wholeNumber(100, 1, 1000),
  /** How long a claimed delivery stays a dispatcher's before another may retry it; default: timeout + 30 s. */
  WEBHOOK_LEASE_MS: v.optional(wholeNumber(40_000, 1000, 3_600_000)),
  /** An endpoint failing without a single success for this long is disabled. */
  WEBHOOK_DISABLE_AFTER: duration("5d", { zero: true }),
  /** Bytes of a subscriber's response that are read (and then dropped). */
  WEBHOOK_MAX_RESPONSE_BYTES: wholeNumber(4096, 0, 1_048_576),
};

const WebhookDeliveryEnvSchema = v.object(webhookDeliveryFields);
export type WebhookDeliveryEnv = v.InferOutput<typeof WebhookDeliveryEnvSchema>;
