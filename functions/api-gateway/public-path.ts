// The function is reachable under several prefixes that all mean the same routes: the public
// URL `/functions/v1/api-gateway/…`, the path the Supabase runtime hands the function
// (`/api-gateway/…`, Kong strips `/functions/v1`), and bare `/…` (Node, Workers, tests).

import { getPath } from "hono/utils/url";

/** The function's public URL prefix. */
export const PUBLIC_PREFIX = "/functions/v1/api-gateway";
/** What the Supabase runtime hands the function. */
export const RUNTIME_PREFIX = "/api-gateway";

function prefixOf(path: string): string {
  for (const prefix of [PUBLIC_PREFIX, RUNTIME_PREFIX]) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return prefix;
  }
  return "";
}

/** Hono's getPath with the function prefixes removed: routes are declared once, as `/v1/…`. */
export function routingPath(request: Request): string {
  const path = getPath(request);
  const prefix = prefixOf(path);
  return prefix === "" ? path : path.slice(prefix.length) || "/";
}

/** The prefix under which the caller reached us, as a client outside Supabase must use it. */
export function publicPrefix(request: Request): string {
  const prefix = prefixOf(getPath(request));
  return prefix === RUNTIME_PREFIX ? PUBLIC_PREFIX : prefix;
}
