// Work that may finish after the response (e.g. the rate limiter's cache sync): the hook the
// entry gave the services (EdgeRuntime.waitUntil on Supabase; on Node the promise simply runs
// on), otherwise the request's own ExecutionContext (Workers).

import type { Context } from "hono";
import type { AppEnv } from "./context.ts";

export function runInBackground(c: Context<AppEnv>, promise: Promise<unknown>): void {
  const { waitUntil, logger } = c.var.services;
  if (waitUntil) return waitUntil(promise);
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No ExecutionContext either (Hono throws): let it run, and report a failure.
    promise.catch((error: unknown) => logger.warn("background task failed", { error }));
  }
}
