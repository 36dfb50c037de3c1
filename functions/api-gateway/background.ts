// Work that may finish after the response (e.g. the rate limiter's cache sync): the request's
// own ExecutionContext on Workers, otherwise the runtime hook the entry gave the services
// (EdgeRuntime.waitUntil on Supabase; on Node and plain Deno the promise simply runs on).

import type { Context } from "hono";
import type { AppEnv } from "./context.ts";

export function runInBackground(c: Context<AppEnv>, promise: Promise<unknown>): void {
  let executionContext: { waitUntil(promise: Promise<unknown>): void } | undefined;
  try {
    executionContext = c.executionCtx;
  } catch {
    // Hono throws when the runtime passed no ExecutionContext.
  }
  if (executionContext) executionContext.waitUntil(promise);
  else c.var.services.waitUntil(promise);
}
