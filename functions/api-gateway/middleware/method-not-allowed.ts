// 405 for a known path asked with a method it does not serve, with the Allow header.

import type { Handler } from "hono";
import { ApiError } from "../../_shared/errors.ts";
import type { AppEnv } from "../context.ts";

export function methodNotAllowed(allowed: string[]): Handler<AppEnv> {
  const allow = allowed.join(", ");
  return function methodNotAllowed(c) {
    throw new ApiError("method_not_allowed", `${c.req.method} is not supported here; use ${allow}.`, {
      headers: { Allow: allow },
    });
  };
}
