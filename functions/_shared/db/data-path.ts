// Which way an edge entry (Supabase/Deno, Workers) reaches the database, decided once from the
// validated environment. An explicit DATABASE_URL (or a Hyperdrive binding, which the Workers
// entry passes as DATABASE_URL) wins; then PostgREST through supabase-js when a Supabase URL
// and key are configured — the normal case on Supabase, which sets them for every function;
// then Supabase's own SUPABASE_DB_URL over the wire. The PostgREST key: the legacy anon key,
// else a publishable key (SUPABASE_PUBLISHABLE_KEY, or the "default" of the JSON map
// SUPABASE_PUBLISHABLE_KEYS that hosted Supabase sets).

import { EnvError, type GatewayEnv, publishableDefault } from "../env.ts";
import type { Database } from "./database.ts";
import { createPostgresDatabase } from "./postgres.ts";
import { createSupabaseDatabase } from "./supabase.ts";

export type DataPath =
  | { kind: "postgres"; url: string; from: "DATABASE_URL" | "SUPABASE_DB_URL" }
  | { kind: "postgrest"; url: string; key: string };

export function chooseDataPath(env: GatewayEnv): DataPath {
  if (env.DATABASE_URL) return { kind: "postgres", url: env.DATABASE_URL, from: "DATABASE_URL" };
  const key =
    env.SUPABASE_ANON_KEY ??
    env.SUPABASE_PUBLISHABLE_KEY ??
    (env.SUPABASE_PUBLISHABLE_KEYS === undefined ? undefined : publishableDefault(env.SUPABASE_PUBLISHABLE_KEYS));
  if (env.SUPABASE_URL && key) return { kind: "postgrest", url: env.SUPABASE_URL, key };
  if (env.SUPABASE_DB_URL) return { kind: "postgres", url: env.SUPABASE_DB_URL, from: "SUPABASE_DB_URL" };
  throw new EnvError(
    env.SUPABASE_URL
      ? "Invalid environment:\n  - SUPABASE_URL is set but none of SUPABASE_ANON_KEY, SUPABASE_PUBLISHABLE_KEY, SUPABASE_PUBLISHABLE_KEYS is"
      : "Invalid environment:\n  - no database configured: set DATABASE_URL, or SUPABASE_URL with SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY), or SUPABASE_DB_URL",
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
  return path.kind === "postgrest" ? `supabase-js → PostgREST at ${host}` : `postgres.js (${path.from}) → ${host}`;
}

/**
 * The transport for `path`. `connectionPerCall` for workerd, where a socket cannot outlive the
 * request that opened it (a Hyperdrive binding pools behind it).
 */
export function openDataPath(path: DataPath, env: GatewayEnv, options: { connectionPerCall?: boolean } = {}): Database {
  if (path.kind === "postgrest") return createSupabaseDatabase({ url: path.url, key: path.key });
  return createPostgresDatabase({
    url: path.url,
    ...(options.connectionPerCall ? { connectionPerCall: true } : { max: env.DATABASE_POOL_MAX }),
    prepare: env.DATABASE_PREPARE,
    connectTimeoutSeconds: env.DATABASE_CONNECT_TIMEOUT,
    timeoutMs: env.DATABASE_TIMEOUT_MS,
  });
}
