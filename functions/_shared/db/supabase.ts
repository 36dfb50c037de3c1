// PostgREST transport (@supabase/supabase-js): the data path on Supabase. PostgREST runs the
// per-request setup itself (role switch to the key's role, request.headers, search_path, one
// transaction) and calls api.<fn>; the project's anon or publishable key authenticates us to
// PostgREST, the caller's API key travels as `x-api-key` for SQL to check. PostgREST's error body
// {code,message,details,hint} carries the SQLSTATE, so the same toApiError mapping applies as on
// the wire transports. Runs on Deno, workerd and Node (fetch only); create it once per isolate.

import { createClient } from "@supabase/supabase-js";
import { type Database, DatabaseError, DatabaseUnavailableError, type RpcRequest } from "./database.ts";

export interface SupabaseDatabaseOptions {
  /** The project URL (SUPABASE_URL); PostgREST answers under /rest/v1. */
  url: string;
  /** The anon (legacy JWT) or publishable key: sent as `apikey` and `Authorization: Bearer`. */
  key: string;
  /** Bound on one call, network included; past it the call fails as unavailable. */
  timeoutMs?: number;
  /** The schema the api functions live in; must be among PostgREST's exposed schemas. */
  schema?: string;
  fetch?: typeof fetch;
}

/** PostgREST's error body, as postgrest-js hands it back (status 0: no HTTP answer at all). */
interface PostgrestErrorBody {
  code?: string | null;
  message?: string | null;
  details?: string | null;
  hint?: string | null;
}

// supabase-js builds a realtime client eagerly, and on runtimes without a WebSocket global
// (Node 20) that throws. The gateway never subscribes to anything, so it gets a stand-in that
// fails only if realtime were ever used.
class RealtimeNotUsed {
  constructor() {
    throw new Error("The API gateway does not use Supabase Realtime.");
  }
}

export function createSupabaseDatabase(options: SupabaseDatabaseOptions): Database {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = createClient(options.url, options.key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: {
      transport: ((globalThis as { WebSocket?: unknown }).WebSocket ?? RealtimeNotUsed) as never,
    },
    global: options.fetch ? { fetch: options.fetch } : {},
  });
  const api = client.schema(options.schema ?? "api");

  return {
    async rpc(request: RpcRequest): Promise<unknown> {
      // A read goes out as GET, which PostgREST runs in a READ ONLY transaction (as the wire
      // transports do for readOnly). No client-side retries: the caller gets a 503 with
      // Retry-After instead of a request held for seconds.
      const { data, error, status } = await api
        .rpc(request.fn, request.args, { get: request.readOnly === true })
        .setHeader("x-api-key", request.apiKey)
        .abortSignal(AbortSignal.timeout(timeoutMs))
        .retry(false);
      if (error) throw fromPostgrest(error, status);
      return data;
    },
    async close() {
      // Nothing to close: every call is a fetch.
    },
  };
}

/**
 * PostgREST's answer → our database errors. A SQLSTATE (including the PTnnn the api functions
 * raise) becomes a DatabaseError exactly like a wire transport would report it; PostgREST
 * having no answer, no database, or being overloaded becomes DatabaseUnavailableError (503);
 * anything else (a bad key, the schema not exposed, an unknown function) is our configuration's
 * fault and stays a plain Error, which toApiError reports as a 500 with the cause logged.
 */
export function fromPostgrest(error: PostgrestErrorBody, status: number): Error {
  const code = error.code ?? "";
  const message = error.message ?? "";
  if (status === 0) {
    return new DatabaseUnavailableError(`PostgREST could not be reached: ${message}`, { cause: error });
  }
  if (/^[0-9A-Z]{5}$/.test(code) && !code.startsWith("PGRST")) {
    return new DatabaseError({ sqlState: code, message, detail: error.details, hint: error.hint });
  }
  // PGRST000-PGRST003: no connection to the database, or none free in time. 502/503/504/520:
  // the gateway in front of PostgREST gave up. 429: the platform is shedding load.
  if (/^PGRST00[0-3]$/.test(code) || [429, 502, 503, 504, 520].includes(status)) {
    return new DatabaseUnavailableError(`PostgREST is unavailable (HTTP ${status}${code ? `, ${code}` : ""}): ${message}`, {
      cause: error,
    });
  }
  return new Error(`PostgREST refused the call (HTTP ${status}${code ? `, ${code}` : ""}): ${message}`, { cause: error });
}
