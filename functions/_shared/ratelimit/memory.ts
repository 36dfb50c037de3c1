// In-process sliding-window limiter: the embedded default when no Upstash is configured, and
// the twin for unit tests. Same arithmetic as @upstash/ratelimit's slidingWindow script (the
// previous window counts in proportion to how much of it still overlaps), but its state lives in
// one process, so it only limits correctly when one instance serves the API.

import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from "./rate-limiter.ts";

interface Counter {
  window: number;
  current: number;
  previous: number;
}

export function createMemoryRateLimiter(policy: RateLimitPolicy, now: () => number = Date.now): RateLimiter {
  const counters = new Map<string, Counter>();
  let lastSweep = 0;

  function sweep(window: number) {
    // Forget identifiers idle for two windows, at most once per window.
    if (window === lastSweep) return;
    lastSweep = window;
    for (const [id, counter] of counters) if (counter.window < window - 1) counters.delete(id);
  }

  return {
    policy,
    async limit(identifier: string): Promise<RateLimitDecision> {
      const time = now();
      const window = Math.floor(time / policy.windowMs);
      sweep(window);
      let counter = counters.get(identifier);
      if (!counter || counter.window < window - 1) {
        counter = { window, current: 0, previous: 0 };
      } else if (counter.window === window - 1) {
        counter = { window, current: 0, previous: counter.current };
      }
      counters.set(identifier, counter);
      const elapsed = (time % policy.windowMs) / policy.windowMs;
      const weightedPrevious = Math.floor((1 - elapsed) * counter.previous);
      const reset = (window + 1) * policy.windowMs;
      if (weightedPrevious + counter.current >= policy.requests) {
        return { success: false, limit: policy.requests, remaining: 0, reset };
      }
      counter.current += 1;
      return {
        success: true,
        limit: policy.requests,
        remaining: Math.max(0, policy.requests - (counter.current + weightedPrevious)),
        reset,
      };
    },
  };
}
