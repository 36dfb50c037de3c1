// Whether a database serves the API at all — its migrations applied, the `api` schema reachable
// — checked once when an entry starts (one call, never per request), so that a server on an
// empty database says what to run instead of logging "listening" and answering every request
// with a 500. The probe is an ordinary call with a key nobody has: a database that has the API
// refuses the key (PT401); one that lacks it fails on the schema, the function or the roles.

import type { Database } from "./database.ts";
import { DatabaseError, DatabaseUnavailableError } from "./database.ts";

/** Never issued (keys are 64 hex digits of randomness), so the database can only refuse it. */
const PROBE_KEY = `wbk_${"0".repeat(64)}`;
const PROBE_ID = "00000000-0000-0000-0000-000000000000";

export const APPLY_MIGRATIONS =
  "Apply them with `npm run migrate` (same DATABASE_URL; DATABASE_ADMIN_URL for an owner's URL), or `npx supabase db push`.";

export type SchemaState =
  | { state: "ready" }
  /** The database answered, but without the API: `message` says what is missing and what to run. */
  | { state: "missing"; message: string }
  /** Not reachable now; the entry serves anyway (requests get 503 until it is back). */
  | { state: "unreachable"; error: unknown }
  /** Some other answer: logged, and the entry serves anyway. */
  | { state: "unexpected"; error: unknown };

/** `where`: the database as the messages name it, e.g. "127.0.0.1:5432/postgres". */
export async function probeSchema(db: Database, where: string): Promise<SchemaState> {
  try {
    await db.rpc({ fn: "get_activity", args: { id: PROBE_ID }, apiKey: PROBE_KEY, readOnly: true });
  } catch (error) {
    if (error instanceof DatabaseError && error.sqlState === "PT401") return { state: "ready" };
    if (error instanceof DatabaseUnavailableError) return { state: "unreachable", error };
    const missing = missingApi(error, where);
    return missing === undefined ? { state: "unexpected", error } : { state: "missing", message: missing };
  }
  // A key nobody has cannot succeed: this database does not check keys the way ours does.
  return { state: "unexpected", error: new Error("the probe's unknown key was accepted") };
}

/** When `error` means the database at `where` lacks the API: what is wrong and what to run. */
export function missingApi(error: unknown, where: string): string | undefined {
  const notMigrated = `the database at ${where} has no API (its migrations are not applied). ${APPLY_MIGRATIONS}`;
  if (error instanceof DatabaseError) {
    // No `api` schema; the schema without the function; Supabase's roles missing (a plain
    // PostgreSQL the migrator never touched).
    if (error.sqlState === "3F000" || error.sqlState === "42883") return notMigrated;
    if (error.sqlState === "22023" && /role "(anon|authenticator)" does not exist/.test(error.message)) return notMigrated;
    return undefined;
  }
  const message = error instanceof Error ? error.message : "";
  // PostgREST: the function is not in its schema cache, or the schema is not exposed.
  if (/PGRST20[25]/.test(message)) return `${notMigrated} (If they are, reload PostgREST's schema cache: NOTIFY pgrst, 'reload schema'.)`;
  if (/PGRST106/.test(message)) {
    return `PostgREST at ${where} does not expose the \`api\` schema: add it to the exposed schemas (Project Settings → Data API).`;
  }
  return undefined;
}

/** host:port/database of a postgres:// URL, or host[:port] of an http(s) one; no credentials. */
export function databaseLocation(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol.startsWith("postgres")) return `${parsed.hostname}:${parsed.port || "5432"}${decodeURIComponent(parsed.pathname) || "/postgres"}`;
    return parsed.host;
  } catch {
    return "(unparsable URL)";
  }
}
