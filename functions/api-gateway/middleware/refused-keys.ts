// The refused-key limit (see _shared/ratelimit/refused-key-guard.ts): after the key's syntax
// and before the per-key rate limit, so that a client cycling made-up keys is answered 429
// without a database call — and without a Redis call either, once its address is over the limit
// and the key is not one the database accepted recently. After the request, what the database
// said of the key (callRpc notes it) is handed back to the guard.

import type { MiddlewareHandler } from "hono";
import { clientBucket } from "../../_shared/client-address.ts";
import { ApiError } from "../../_shared/errors.ts";
import { runInBackground } from "../background.ts";
import type { AppEnv } from "../context.ts";

export function refusedKeys(): MiddlewareHandler<AppEnv> {
  return async function refusedKeys(c, next) {
    const { refusedKeyGuard: guard, clientAddress } = c.var.services;
    // Read and grouped only when the guard asks (not for a key it knows).
    let bucket: string | undefined;
    const client = () => (bucket ??= clientBucket(clientAddress(c.req.raw, c.env)));
    const keyHash = c.var.keyHash;
    const pending = guard.admit(keyHash, client);
    const admission = pending instanceof Promise ? await pending : pending;
    if (!admission.admitted) {
      throw new ApiError(
        "rate_limited",
        `Too many requests with API keys the server refused came from your address: at most ${guard.refusalsPerWindow} per ` +
          `${Math.ceil(guard.windowMs / 1000)} s. Check your key; a key that works is not held back.`,
        { retryAfter: admission.retryAfterSeconds },
      );
    }
    try {
      await next();
    } finally {
      const work = guard.settle(keyHash, client, admission, c.get("keyVerdict"));
      if (work) runInBackground(c, work);
    }
  };
}
