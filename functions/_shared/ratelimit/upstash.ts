// Upstash limiter: @upstash/ratelimit's sliding window over @upstash/redis (REST). Create it
// once per isolate — its ephemeral cache of blocked identifiers lives in this instance, and a
// blocked identifier is then refused without a Redis round trip. Its timeout is our bound on
// waiting for Redis: past it the library answers "timeout", which we report as a fault.

import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  type RateLimitPolicy,
  toWindowText,
} from "./rate-limiter.ts";

export interface UpstashRateLimiterOptions {
  url: string;
  token: string;
  policy: RateLimitPolicy;
  timeoutMs: number;
  prefix?: string;
}

export function createUpstashRateLimiter(options: UpstashRateLimiterOptions): RateLimiter {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    enableTelemetry: false,
    // One quick retry for a dropped keep-alive connection; the timeout bounds the rest.
    retry: { retries: 1, backoff: () => 20 },
  });
  const ratelimit = new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(options.policy.requests, toWindowText(options.policy.windowMs)),
    prefix: options.prefix ?? "api-gateway:ratelimit",
    timeout: options.timeoutMs,
    analytics: false,
    enableProtection: false,
    ephemeralCache: new Map(),
  });

  return {
    policy: options.policy,
    async limit(identifier: string): Promise<RateLimitDecision> {
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
    },
  };
}
