// Upstash limiter: @upstash/ratelimit's sliding window over @upstash/redis (REST). Create it
// once per isolate — its ephemeral cache of blocked identifiers lives in this instance, and a
// blocked identifier is then refused without a Redis round trip. Its timeout is our bound on
// waiting for Redis: past it the library answers "timeout", which we report as a fault.
//
// Requests that arrive while Redis calls are in flight are held and then started together
// (the timeout still counts from each request's own call):
// @upstash/redis pipelines commands issued in the same tick into one HTTP request, so under
// load many API requests share one round trip (and one fetch, which is most of the CPU a
// limit check costs), while an idle instance still sends each check at once. Where I/O belongs
// to the request that started it (workerd cancels a request left waiting on another request's
// fetch as "hung"), `shareAcrossRequests: false` turns both off: each check is its own fetch.

import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  type RateLimitPolicy,
  toWindowText,
} from "./rate-limiter.ts";

/** Whether one request's Redis call may carry other requests' commands (not on workerd). */
export interface RequestSharing {
  shareAcrossRequests?: boolean;
}

/** The isolate's one Upstash client: the per-key limiter and the refused-key store share it. */
export function createUpstashRedis(options: { url: string; token: string } & RequestSharing): Redis {
  return new Redis({
    url: options.url,
    token: options.token,
    enableTelemetry: false,
    enableAutoPipelining: options.shareAcrossRequests !== false,
    // One quick retry for a dropped keep-alive connection; the timeout bounds the rest.
    retry: { retries: 1, backoff: () => 20 },
  });
}

export interface UpstashRateLimiterOptions extends RequestSharing {
  redis: Redis;
  policy: RateLimitPolicy;
  timeoutMs: number;
  prefix?: string;
  /** Round trips to Redis allowed in flight at once before checks wait to be sent together. */
  maxInFlight?: number;
}

interface Waiting {
  identifier: string;
  resolve(decision: RateLimitDecision): void;
  reject(error: unknown): void;
}

export function createUpstashRateLimiter(options: UpstashRateLimiterOptions): RateLimiter {
  const ratelimit = new Ratelimit({
    redis: options.redis,
    limiter: Ratelimit.slidingWindow(options.policy.requests, toWindowText(options.policy.windowMs)),
    prefix: options.prefix ?? "api-gateway:ratelimit",
    timeout: options.timeoutMs,
    analytics: false,
    enableProtection: false,
    ephemeralCache: new Map(),
  });
  const maxInFlight = options.shareAcrossRequests === false ? Infinity : (options.maxInFlight ?? 4);
  let inFlight = 0;
  let waiting: Waiting[] = [];

  async function check(identifier: string): Promise<RateLimitDecision> {
    let response: Awaited<ReturnType<typeof ratelimit.limit>>;
    try {
      response = await ratelimit.limit(identifier);
    } catch (error) {
      throw new RateLimiterUnavailableError("Upstash Redis request failed.", { cause: error });
    }
    if (response.reason === "timeout") {
      throw new RateLimiterUnavailableError(`Upstash Redis did not answer within ${options.timeoutMs} ms.`);
    }
    return {
      success: response.success,
      limit: response.limit,
      remaining: response.remaining,
      reset: response.reset,
      pending: response.pending,
    };
  }

  /** Starts every waiting check in one synchronous pass, so they leave in one pipeline. */
  function sendWaiting(): void {
    const batch = waiting;
    waiting = [];
    inFlight++;
    const settled = batch.map(({ identifier, resolve, reject }) => check(identifier).then(resolve, reject));
    Promise.allSettled(settled).then(() => {
      inFlight--;
      if (waiting.length > 0) sendWaiting();
    });
  }

  return {
    policy: options.policy,
    limit(identifier: string): Promise<RateLimitDecision> {
      return new Promise((resolve, reject) => {
        // The timeout counts from the request's own call: a check held back behind hung Redis
        // calls would otherwise wait for theirs to time out, then for its own.
        const timer = setTimeout(() => {
          const at = waiting.indexOf(entry);
          if (at >= 0) waiting.splice(at, 1);
          reject(new RateLimiterUnavailableError(`Upstash Redis did not answer within ${options.timeoutMs} ms.`));
        }, options.timeoutMs);
        const entry: Waiting = {
          identifier,
          resolve(decision) {
            clearTimeout(timer);
            resolve(decision);
          },
          reject(error) {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiting.push(entry);
        if (inFlight < maxInFlight) sendWaiting();
      });
    },
  };
}
