// Everything a handler may use, built once per isolate/process from the validated environment
// and handed to createApp. Handlers reach it through the context (`c.var.services`) and never
// import a client themselves, so each runtime entry decides which implementations to build.

import { sha256Hex } from "../_shared/crypto.ts";
import type { Database } from "../_shared/db/database.ts";
import type { GatewayEnv } from "../_shared/env.ts";
import { createJsonLogger, type Logger } from "../_shared/log.ts";
import { createMemoryRateLimiter } from "../_shared/ratelimit/memory.ts";
import type { RateLimiter } from "../_shared/ratelimit/rate-limiter.ts";
import { type ClientAddress, clientAddressFromHeader } from "../_shared/client-address.ts";
import { databaseLocation } from "../_shared/db/schema-probe.ts";
import { createRefusedKeyGuard, type RefusedKeyGuard } from "../_shared/ratelimit/refused-key-guard.ts";
import { createMemoryRefusalStore } from "../_shared/ratelimit/refusals-memory.ts";
import { createUpstashRefusalStore } from "../_shared/ratelimit/refusals-upstash.ts";
import { createUpstashRateLimiter, createUpstashRedis } from "../_shared/ratelimit/upstash.ts";
import type { HostResolver, UrlPolicy } from "../_shared/webhooks/url-policy.ts";

export interface GatewayConfig {
  bodyLimitBytes: number;
  /** Refuse requests (503) rather than let them through when the rate limiter is down. */
  rateLimitFailClosed: boolean;
}

export interface Services {
  db: Database;
  limiter: RateLimiter;
  /** Limits the keys the database refuses, per client address (this isolate's state + the store). */
  refusedKeyGuard: RefusedKeyGuard;
  /** The client's address as the runtime reports it (see _shared/client-address.ts). */
  clientAddress: ClientAddress;
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
  /** Where this runtime finds the client's address; CLIENT_IP_HEADER, when set, wins. */
  clientAddress?: ClientAddress;
  /**
   * false where a request may not wait on I/O another request started (workerd): no Redis call
   * then carries several requests' commands.
   */
  shareIoAcrossRequests?: boolean;
}

/** The rate limiter and logger the environment asks for, around the database the entry built. */
export function createServices(env: GatewayEnv, db: Database, overrides: ServiceOverrides = {}): Services {
  const logger = overrides.logger ?? createJsonLogger({ level: env.LOG_LEVEL });
  const policy = { requests: env.RATE_LIMIT_REQUESTS, windowMs: env.RATE_LIMIT_WINDOW };
  const refusalPolicy = { refusals: env.RATE_LIMIT_REFUSED_KEYS, windowMs: env.RATE_LIMIT_REFUSED_KEYS_WINDOW };
  const redis =
    env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
      ? createUpstashRedis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, shareAcrossRequests: overrides.shareIoAcrossRequests })
      : undefined;
  const limiter =
    overrides.limiter ??
    (redis
      ? createUpstashRateLimiter({ redis, policy, timeoutMs: env.RATE_LIMIT_TIMEOUT_MS, shareAcrossRequests: overrides.shareIoAcrossRequests })
      : createMemoryRateLimiter(policy));
  const refusals = redis
    ? createUpstashRefusalStore({ redis, policy: refusalPolicy, scope: databaseScope(env), timeoutMs: env.RATE_LIMIT_TIMEOUT_MS })
    : createMemoryRefusalStore(refusalPolicy);
  return {
    db,
    limiter,
    refusedKeyGuard: createRefusedKeyGuard(refusals, logger),
    clientAddress: env.CLIENT_IP_HEADER ? clientAddressFromHeader(env.CLIENT_IP_HEADER) : (overrides.clientAddress ?? (() => undefined)),
    logger,
    config: { bodyLimitBytes: env.BODY_LIMIT_BYTES, rateLimitFailClosed: env.RATE_LIMIT_FAIL_CLOSED },
    waitUntil: overrides.waitUntil,
    hashKey: overrides.hashKey ?? sha256Hex,
    webhookUrlPolicy: { allowInsecure: env.WEBHOOKS_ALLOW_INSECURE, resolve: overrides.resolveHost },
  };
}

/** The database the refused-key budget protects, as the store's namespace (no credentials). */
function databaseScope(env: GatewayEnv): string {
  const url = env.DATABASE_URL ?? env.SUPABASE_URL ?? env.SUPABASE_DB_URL;
  return url === undefined ? "embedded" : databaseLocation(url);
}
