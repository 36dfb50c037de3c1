// Everything a handler may use, built once per isolate/process from the validated environment
// and handed to createApp. Handlers reach it through the context (`c.var.services`) and never
// import a client themselves, so each runtime entry decides which implementations to build.

import { sha256Hex } from "../_shared/crypto.ts";
import type { Database } from "../_shared/db/database.ts";
import type { GatewayEnv } from "../_shared/env.ts";
import { createJsonLogger, type Logger } from "../_shared/log.ts";
import { createMemoryRateLimiter } from "../_shared/ratelimit/memory.ts";
import type { RateLimiter } from "../_shared/ratelimit/rate-limiter.ts";
import { createUpstashRateLimiter } from "../_shared/ratelimit/upstash.ts";
import type { HostResolver, UrlPolicy } from "../_shared/webhooks/url-policy.ts";

export interface GatewayConfig {
  bodyLimitBytes: number;
  /** Refuse requests (503) rather than let them through when the rate limiter is down. */
  rateLimitFailClosed: boolean;
}

export interface Services {
  db: Database;
  limiter: RateLimiter;
  logger: Logger;
  config: GatewayConfig;
  /**
   * Keeps background work alive after the response where the runtime would otherwise stop it.
   * Absent on Workers, where each request's own ExecutionContext does it.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** sha256 of an API key, hex: the rate-limit identifier (the key itself never leaves). */
  hashKey: (key: string) => Promise<string> | string;
  /** Where webhook endpoints may point (checked on create and update). */
  webhookUrlPolicy: UrlPolicy;
}

export interface ServiceOverrides {
  logger?: Logger;
  limiter?: RateLimiter;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** A faster sha256 than WebCrypto's where the runtime has one (Node's is slow for tiny inputs). */
  hashKey?: (key: string) => Promise<string> | string;
  /** DNS for the webhook URL checks; without it hostnames are checked at delivery only. */
  resolveHost?: HostResolver;
}

/** The rate limiter and logger the environment asks for, around the database the entry built. */
export function createServices(env: GatewayEnv, db: Database, overrides: ServiceOverrides = {}): Services {
  const logger = overrides.logger ?? createJsonLogger({ level: env.LOG_LEVEL });
  const policy = { requests: env.RATE_LIMIT_REQUESTS, windowMs: env.RATE_LIMIT_WINDOW };
  const limiter =
    overrides.limiter ??
    (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
      ? createUpstashRateLimiter({
          url: env.UPSTASH_REDIS_REST_URL,
          token: env.UPSTASH_REDIS_REST_TOKEN,
          policy,
          timeoutMs: env.RATE_LIMIT_TIMEOUT_MS,
        })
      : createMemoryRateLimiter(policy));
  return {
    db,
    limiter,
    logger,
    config: { bodyLimitBytes: env.BODY_LIMIT_BYTES, rateLimitFailClosed: env.RATE_LIMIT_FAIL_CLOSED },
    waitUntil: overrides.waitUntil,
    hashKey: overrides.hashKey ?? sha256Hex,
    webhookUrlPolicy: { allowInsecure: env.WEBHOOKS_ALLOW_INSECURE, resolve: overrides.resolveHost },
  };
}
