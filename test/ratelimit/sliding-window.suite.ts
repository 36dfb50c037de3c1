// The sliding window both rate limiters promise, against a fake clock: exactly `requests` per
// window; at a window's start the whole previous window still counts, and its weight falls as the
// new window passes; `reset` is the current window's end, and the gateway's RateLimit-Reset the
// seconds until then. Run by memory.test.ts (the in-process limiter) and upstash.test.ts (the real
// @upstash/ratelimit over real Redis). Only `Date` is faked: the Upstash library reads its clock
// from Date.now() and hands it to its Lua script; timers and sockets keep real time.
//
// The Upstash limiter keeps refused identifiers in its ephemeral cache until the window ends, so
// after a refusal the scenarios move on to the next window (or another identifier) rather than
// ask again within the same one.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from "../../functions/_shared/ratelimit/rate-limiter.ts";
import { stubDatabaseApp } from "../support/stub-database-app.ts";

export interface LimiterFactory {
  /** A limiter with the policy, reading the time from Date.now(). */
  create(policy: RateLimitPolicy): RateLimiter;
}

const POLICY: RateLimitPolicy = { requests: 10, windowMs: 10_000 };
/** The start of a window, far from the real now (windows are aligned to the Unix epoch). */
const T0 = 1_900_000_000_000;

export function describeSlidingWindow(name: string, factory: () => LimiterFactory, available = true): void {
  describe.skipIf(!available)(`sliding window: ${name}`, () => {
    let limiter: RateLimiter;
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(T0);
      limiter = factory().create(POLICY);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    const at = (ms: number) => vi.setSystemTime(T0 + ms);
    const id = () => `test-${randomUUID()}`;
    /** `count` checks in a row, as [success, remaining, reset relative to T0]. */
    async function checks(identifier: string, count: number): Promise<Array<[boolean, number, number]>> {
      const decisions: RateLimitDecision[] = [];
      for (let i = 0; i < count; i++) decisions.push(await limiter.limit(identifier));
      for (const decision of decisions) expect(decision.limit).toBe(POLICY.requests);
      return decisions.map((d) => [d.success, d.remaining, d.reset - T0]);
    }
    const allowed = (remaining: number[], reset: number) => remaining.map((r): [boolean, number, number] => [true, r, reset]);
    const refused = (reset: number): [boolean, number, number] => [false, 0, reset];

    test("exactly `requests` per window; remaining counts down; reset is the window's end", async () => {
      const user = id();
      at(1_000);
      expect(await checks(user, 11)).toEqual([...allowed([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 10_000), refused(10_000)]);
      // Another identifier has a window of its own.
      expect(await checks(id(), 1)).toEqual(allowed([9], 10_000));
    });

    test("at the next window's start the whole previous window still counts", async () => {
      const user = id();
      at(1_000);
      await checks(user, 10);
      at(10_000);
      expect(await checks(user, 1)).toEqual([refused(20_000)]);
    });

    test("the previous window's weight falls as the new window passes", async () => {
      const user = id();
      at(1_000);
      await checks(user, 10);
      // 25% into the next window: floor(0.75 × 10) = 7 still count, so 3 more.
      at(12_500);
      expect(await checks(user, 4)).toEqual([...allowed([2, 1, 0], 20_000), refused(20_000)]);
      // 50% into the window after: floor(0.5 × 3) = 1 counts, so 9 more.
      at(25_000);
      expect(await checks(user, 10)).toEqual([...allowed([8, 7, 6, 5, 4, 3, 2, 1, 0], 30_000), refused(30_000)]);
      // After a whole idle window, nothing counts any more.
      at(40_000);
      expect(await checks(user, 10)).toEqual(allowed([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 50_000));
    });

    test("the gateway's headers: RateLimit-Reset is the seconds to the window's end, a 429 says when to retry", async () => {
      const gateway = stubDatabaseApp({}, { limiter });
      const get = async () => {
        const response = await gateway.send("GET", "/v1/activities/act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d");
        const header = (name: string) => response.headers.get(name);
        return [response.status, header("ratelimit-limit"), header("ratelimit-remaining"), header("ratelimit-reset"), header("retry-after"), header("ratelimit-policy")];
      };
      at(2_500); // 7.5 s before the window's end: a client must not retry before 8.
      for (let remaining = 9; remaining >= 0; remaining--) expect(await get()).toEqual([200, "10", String(remaining), "8", null, "10;w=10"]);
      expect(await get()).toEqual([429, "10", "0", "8", "8", "10;w=10"]);
      at(9_001);
      expect(await get()).toEqual([429, "10", "0", "1", "1", "10;w=10"]);
      expect(gateway.calls).toHaveLength(10);
    });
  });
}
