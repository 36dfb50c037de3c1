// The refusal store on Upstash Redis, shared by every instance, through the same client as the
// per-key limiter. A client's refusals are one counter per fixed window
// (`<prefix>:refused:<scope>:<client>:<window>`, INCR and PEXPIREAT sent as one pipeline);
// an accepted key is a mark with a time to live (`<prefix>:accepted:<scope>:<key hash>`). The
// scope is the database's location: the budget protects a database, so deployments that share
// one share it, and another database's acceptance of a key says nothing here. Every call is
// bounded by RATE_LIMIT_TIMEOUT_MS.

import type { Redis } from "@upstash/redis";
import { RateLimiterUnavailableError } from "./rate-limiter.ts";
import { ACCEPTED_FOR_MS, fixedWindow, type RefusalCount, type RefusalPolicy, type RefusalStore } from "./refusals.ts";

export interface UpstashRefusalStoreOptions {
  redis: Redis;
  policy: RefusalPolicy;
  /** The database this budget protects, e.g. "db.example.com:5432/postgres". */
  scope: string;
  timeoutMs: number;
  prefix?: string;
}

export function createUpstashRefusalStore(options: UpstashRefusalStoreOptions): RefusalStore {
  const { redis, policy, scope, timeoutMs } = options;
  const prefix = options.prefix ?? "api-gateway";
  const acceptedKey = (keyHash: string) => `${prefix}:accepted:${scope}:${keyHash}`;

  async function bounded<T>(what: string, call: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RateLimiterUnavailableError(`Upstash Redis did not answer within ${timeoutMs} ms (${what}).`)), timeoutMs);
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (error) {
      throw error instanceof RateLimiterUnavailableError ? error : new RateLimiterUnavailableError(`Upstash Redis request failed (${what}).`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    policy,
    async recordRefusal(client: string): Promise<RefusalCount> {
      const { index, reset } = fixedWindow(Date.now(), policy.windowMs);
      const key = `${prefix}:refused:${scope}:${client}:${index}`;
      // The counter outlives its window by a little, for clocks that disagree.
      const [count] = await bounded("count a refusal", redis.pipeline().incr(key).pexpireat(key, reset + 60_000).exec<[number, number]>());
      return { count, reset };
    },
    async recordAccepted(keyHash: string): Promise<void> {
      await bounded("remember an accepted key", redis.set(acceptedKey(keyHash), 1, { px: ACCEPTED_FOR_MS }));
    },
    async forgetAccepted(keyHash: string): Promise<void> {
      await bounded("forget an accepted key", redis.del(acceptedKey(keyHash)));
    },
    async acceptedRecently(keyHash: string): Promise<boolean> {
      return (await bounded("look up an accepted key", redis.exists(acceptedKey(keyHash)))) === 1;
    },
  };
}
