// Sliding-window rate limit per API key (identified by the key's hash, so the key never reaches
// Redis). Every response to a keyed request carries RateLimit-Limit/-Remaining/-Reset and
// RateLimit-Policy; a refused one is a 429 with Retry-After. When the limiter itself fails, the
// request proceeds (fail-open, the Upstash library's own default) and the fault is logged —
// unless RATE_LIMIT_FAIL_CLOSED, which turns it into a 503.

import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../_shared/errors.ts";
import { runInBackground } from "../background.ts";
import type { AppEnv } from "../context.ts";

export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const { limiter, logger, config } = c.var.services;
    const { requests, windowMs } = limiter.policy;
    c.header("RateLimit-Policy", `${requests};w=${Math.ceil(windowMs / 1000)}`);

    let decision;
    try {
      decision = await limiter.limit(c.var.keyHash);
    } catch (error) {
      logger.error("rate limiter unavailable", {
        request_id: c.var.requestId,
        fail_closed: config.rateLimitFailClosed,
        error,
      });
      if (config.rateLimitFailClosed) {
        throw new ApiError("service_unavailable", "Rate limiting is unavailable. Retry shortly.", {
          retryAfter: 1,
          cause: error,
        });
      }
      return next();
    }
    if (decision.pending) runInBackground(c, decision.pending);

    const resetSeconds = Math.max(0, Math.ceil((decision.reset - Date.now()) / 1000));
    c.header("RateLimit-Limit", String(decision.limit));
    c.header("RateLimit-Remaining", String(decision.remaining));
    c.header("RateLimit-Reset", String(resetSeconds));
    if (!decision.success) {
      throw new ApiError(
        "rate_limited",
        `Too many requests: at most ${decision.limit} per ${Math.ceil(windowMs / 1000)} s for this API key.`,
        { retryAfter: Math.max(1, resetSeconds) },
      );
    }
    await next();
  };
}
