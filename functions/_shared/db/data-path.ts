// Which way an edge entry (Supabase/Deno, Workers) reaches the database, decided once from the
// validated environment. An explicit DATABASE_URL (or a Hyperdrive binding, which the Workers
// entry passes as DATABASE_URL) wins; then PostgREST through supabase-js when a Supabase URL
// and key are configured — the normal case on Supabase, which sets them for every function;
// then Supabase's own SUPABASE_DB_URL over the wire.
//
// The PostgREST key: a publishable key first (SUPABASE_PUBLISHABLE_KEY, else the "default" — or
// else any — entry of the JSON map SUPABASE_PUBLISHABLE_KEYS that hosted Supabase sets), the
// legacy anon key only without one. Hosted functions keep the legacy JWT in SUPABASE_ANON_KEY
// even after a project disables legacy keys (supabase/supabase#37648); preferring it then would
// have every request refused with "Legacy API keys are disabled".

import { EnvError, type GatewayEnv, publishableKeys } from "../env.ts";
import type { Database } from "./database.ts";
import { createPostgresDatabase } from "./postgres.ts";
import { createSupabaseDatabase } from "./supabase.ts";

export type DataPath =
  | { kind: "postgres"; url: string; from: "DATABASE_URL" | "SUPABASE_DB_URL" }
  /** `keyFrom` names the variable the key came from, for logs (the key itself is never logged). */
  | { kind: "postgrest"; url: string; key: string; keyFrom: string };

function projectKey(env: GatewayEnv): { key: string; keyFrom: string } | undefined {
  if (env.SUPABASE_PUBLISHABLE_KEY) return { key: env.SUPABASE_PUBLISHABLE_KEY, keyFrom: "SUPABASE_PUBLISHABLE_KEY" };
  const map = env.SUPABASE_PUBLISHABLE_KEYS === undefined ? {} : (publishableKeys(env.SUPABASE_PUBLISHABLE_KEYS) ?? {});
  const name = "default" in map ? "default" : Object.keys(map)[0];
  if (name !== undefined) return { key: map[name]!, keyFrom: `SUPABASE_PUBLISHABLE_KEYS.${name}` };
  if (env.SUPABASE_ANON_KEY) return { key: env.SUPABASE_ANON_KEY, keyFrom: "SUPABASE_ANON_KEY" };
  return undefined;
}

export function chooseDataPath(env: GatewayEnv): DataPath {
  if (env.DATABASE_URL) return { kind: "postgres", url: env.DATABASE_URL, from: "DATABASE_URL" };
  const key = projectKey(env);
  if (env.SUPABASE_URL && key) return { kind: "postgrest", url: env.SUPABASE_URL, ...key };
  if (env.SUPABASE_DB_URL) return { kind: "postgres", url: env.SUPABASE_DB_URL, from: "SUPABASE_DB_URL" };
  throw new EnvError(
    env.SUPABASE_URL
      ? "Invalid environment:\n  - SUPABASE_URL is set but no key for it: none of SUPABASE_PUBLISHABLE_KEY, SUPABASE_PUBLISHABLE_KEYS (with a key in it), SUPABASE_ANON_KEY is"
      : "Invalid environment:\n  - no database configured: set DATABASE_URL, or SUPABASE_URL with SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY), or SUPABASE_DB_URL",
  );
}

/** For the start-up log line: where the data goes, without credentials. */
export function describeDataPath(path: DataPath): string {
  let host = "(unparsable URL)";
  try {
    const parsed = new URL(path.url);
    host = `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}`;
  } catch {
    // keep the placeholder
  }
  return path.kind === "postgrest" ? `supabase-js → PostgREST at ${host} (key: ${path.keyFrom})` : `postgres.js (${path.from}) → ${host}`;
}

/**
 * The transport for `path`. `connectionPerCall` for workerd, where a socket cannot outlive the
 * request that opened it (a Hyperdrive binding pools behind it).
 */
export function openDataPath(path: DataPath, env: GatewayEnv, options: { connectionPerCall?: boolean } = {}): Database {
  if (path.kind === "postgrest") return createSupabaseDatabase({ url: path.url, key: path.key, keyFrom: path.keyFrom });
  return createPostgresDatabase({
    url: path.url,
    ...(options.connectionPerCall ? { connectionPerCall: true } : { max: env.DATABASE_POOL_MAX }),
    prepare: env.DATABASE_PREPARE,
    connectTimeoutSeconds: env.DATABASE_CONNECT_TIMEOUT,
    timeoutMs: env.DATABASE_TIMEOUT_MS,
  });
}
