// The Upstash limiter keeps the sliding-window promise: the real @upstash/ratelimit and
// @upstash/redis, over real Redis behind the Upstash REST stand-in, with the window and limit our
// configuration gives them.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createUpstashRateLimiter, createUpstashRedis } from "../../functions/_shared/ratelimit/upstash.ts";
import { REDIS_URL, serviceAvailable } from "../support/services.ts";
import { startUpstashRest, type UpstashRestServer } from "../support/upstash-rest.ts";
import { describeSlidingWindow } from "./sliding-window.suite.ts";

const available = await serviceAvailable("redis");
let upstash: UpstashRestServer | undefined;

beforeAll(async () => {
  if (available) upstash = await startUpstashRest({ redisUrl: REDIS_URL });
});
afterAll(async () => {
  await upstash?.close();
});

describeSlidingWindow(
  "Upstash limiter over Redis",
  () => ({
    create: (policy) =>
      createUpstashRateLimiter({
        redis: createUpstashRedis({ url: upstash!.url, token: upstash!.token }),
        policy,
        timeoutMs: 5_000,
        // Keys of a fresh prefix: nothing another test (or run) counted can leak in.
        prefix: `test:ratelimit:${randomUUID()}`,
      }),
  }),
  available,
);
