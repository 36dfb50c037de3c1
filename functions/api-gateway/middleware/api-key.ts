// Checks the shape of `Authorization: Bearer wbk_…` and nothing more: whether the key exists,
// is active and has the scope is decided by the database (RLS and the api.* functions). A
// malformed or missing key is refused here without spending a rate-limit or database call.

import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../_shared/errors.ts";
import type { AppEnv } from "../context.ts";

/** `wbk_` and 32 to 128 letters or digits (keys we issue have 64 hex digits). */
export const API_KEY_PATTERN = /^wbk_[0-9A-Za-z]{32,128}$/;

export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async function requireApiKey(c, next) {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) {
      throw new ApiError("invalid_key", "Send your API key as `Authorization: Bearer wbk_…`.", {
        headers: { "WWW-Authenticate": 'Bearer realm="api"' },
      });
    }
    const key = match[1]!;
    if (!API_KEY_PATTERN.test(key)) {
      throw new ApiError("invalid_key", "The API key is not valid.", {
        headers: { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' },
      });
    }
    c.set("apiKey", key);
    c.set("keyHash", await c.var.services.hashKey(key));
    await next();
  };
}
