// PostgREST transport (@supabase/supabase-js): the data path on Supabase. PostgREST runs the
// per-request setup itself (role switch to the key's role, request.headers, search_path, one
// transaction) and calls api.<fn>; the project's publishable (or legacy anon) key authenticates
// us to the platform, the caller's API key travels as `x-api-key` for SQL to check. PostgREST's
// error body {code,message,details,hint} carries the SQLSTATE, so the same toApiError mapping
// applies as on the wire transports. Runs on Deno, workerd and Node (fetch only); create it
// once per isolate.
//
// Every call is a POST, reads included: Supabase's API load balancer sends GET requests to the
// nearest read replica, where replication lag would refuse a key created a moment ago, still
// accept one just revoked, and miss an activity just written. POSTs always run on the primary.
//
// metadata keeps its text both ways (json-text.ts): postgrest-js would send JSON.stringify(args)
// and hand back JSON.parse(body), reordering integer-like keys. A fetch wrapper, told about the
// call by a marker header it removes, sends our own serialisation (stringifyJson, the kept text
// verbatim) and keeps the answer's text, which we parse with metadata kept. PostgREST passes a
// json parameter's text through as written (json_to_record over the raw body).
//
// PostgREST 13+ with client-error-verbosity=minimal sends only {code,message}: the SQLSTATE and
// our error code survive (status and `code` stay right), the human message (details) and the
// offending parameter (hint) do not — the client then gets the code's generic message and no
// `param`. Leave the setting at its default (verbose) on projects this API runs on.

import { createClient } from "@supabase/supabase-js";
import { stringifyJson } from "../json-text.ts";
import { type Database, DatabaseError, DatabaseUnavailableError, type RpcRequest } from "./database.ts";
import { parseRpcResult } from "./rpc-signatures.ts";

/** Marks a request of ours for the fetch wrapper, which removes it before sending. */
const CALL_HEADER = "x-api-gateway-call";

interface PendingCall {
  body: string;
  answer?: string;
}

export interface SupabaseDatabaseOptions {
  /** The project URL (SUPABASE_URL); PostgREST answers under /rest/v1. */
  url: string;
  /** The publishable (or legacy anon JWT) key: sent as `apikey` and `Authorization: Bearer`. */
  key: string;
  /** Where the key came from (e.g. SUPABASE_ANON_KEY), for the error when the platform refuses it. */
  keyFrom?: string;
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
  const baseFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const pending = new Map<string, PendingCall>();
  let nextCall = 0;
  const keepingFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const id = headers.get(CALL_HEADER);
    const call = id === null ? undefined : pending.get(id);
    if (call === undefined) return baseFetch(input, init);
    headers.delete(CALL_HEADER);
    const response = await baseFetch(input, { ...init, headers, body: call.body });
    if (!response.ok) return response;
    // The answer is ours to parse (rpc() below); postgrest-js gets a body it parses for nothing.
    call.answer = await response.text();
    return new Response("null", { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const client = createClient(options.url, options.key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: {
      transport: ((globalThis as { WebSocket?: unknown }).WebSocket ?? RealtimeNotUsed) as never,
    },
    global: { fetch: keepingFetch },
  });
  const api = client.schema(options.schema ?? "api");

  return {
    async rpc(request: RpcRequest): Promise<unknown> {
      // POST whatever request.readOnly says (see the top of this file). No client-side
      // retries: the caller gets a 503 with Retry-After instead of a request held for seconds.
      const id = String(nextCall++);
      const call: PendingCall = { body: stringifyJson(request.args) };
      pending.set(id, call);
      try {
        // The body postgrest-js would serialise is replaced by call.body (keepingFetch), so it gets none.
        let rpc = api.rpc(request.fn, {}).setHeader("x-api-key", request.apiKey).setHeader(CALL_HEADER, id);
        // PostgREST hands every request header to SQL (request.headers, lower-cased names).
        if (request.idempotencyKey !== undefined) rpc = rpc.setHeader("idempotency-key", request.idempotencyKey);
        const { error, status } = await rpc.abortSignal(AbortSignal.timeout(timeoutMs)).retry(false);
        if (error) throw fromPostgrest(error, status, options.keyFrom);
        return call.answer ? parseRpcResult(call.answer) : null;
      } finally {
        pending.delete(id);
      }
    },
    async close() {
      // Nothing to close: every call is a fetch.
    },
  };
}

/** The platform refused the project's key: our configuration, not the caller's API key. */
export class ProjectKeyRefusedError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = "ProjectKeyRefusedError";
  }
}

// The platform in front of PostgREST answering for it without a SQLSTATE: 429 (shedding load),
// 502/503/504, Cloudflare's 520–524 and 530 (the origin unreachable or too slow), and Supabase's
// 540 (project paused) and 544 (gateway timeout). All pass; retrying later is the right answer.
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504, 520, 521, 522, 523, 524, 530, 540, 544]);

/**
 * PostgREST's answer → our database errors. A SQLSTATE (including the PTnnn the api functions
 * raise) becomes a DatabaseError exactly like a wire transport would report it; PostgREST
 * having no answer, no database, or the platform being overloaded or paused becomes
 * DatabaseUnavailableError (503); the platform refusing the project key (legacy keys disabled,
 * a key of another project) becomes ProjectKeyRefusedError; anything else (the schema not
 * exposed, an unknown function) is our configuration's fault too. toApiError reports the last
 * two as a 500 and logs them with this message.
 */
export function fromPostgrest(error: PostgrestErrorBody, status: number, keyFrom = "the project key"): Error {
  const code = error.code ?? "";
  const message = error.message ?? "";
  if (status === 0) {
    return new DatabaseUnavailableError(`PostgREST could not be reached: ${message}`, { cause: error });
  }
  if (/^[0-9A-Z]{5}$/.test(code) && !code.startsWith("PGRST")) {
    return new DatabaseError({ sqlState: code, message, detail: error.details, hint: error.hint });
  }
  // PGRST000-PGRST003: no connection to the database, or none free in time.
  if (/^PGRST00[0-3]$/.test(code) || TRANSIENT_STATUSES.has(status)) {
    return new DatabaseUnavailableError(`PostgREST is unavailable (HTTP ${status}${code ? `, ${code}` : ""}): ${message}`, {
      cause: error,
    });
  }
  // The API gateway's refusals carry no code ("Legacy API keys are disabled", "Invalid API
  // key"); PostgREST's own are PGRST30x (the key is not a JWT it accepts).
  if ((status === 401 || status === 403) && (code === "" || /^PGRST30\d$/.test(code))) {
    const legacy = /legacy api keys are disabled/i.test(message);
    return new ProjectKeyRefusedError(
      `Supabase refused the key from ${keyFrom} (HTTP ${status}${code ? `, ${code}` : ""}: ${message}). ` +
        (legacy
          ? "The project has disabled its legacy API keys: give the function a publishable key (hosted Supabase sets SUPABASE_PUBLISHABLE_KEYS; elsewhere set SUPABASE_PUBLISHABLE_KEY), or re-enable legacy keys."
          : "Check that the function's SUPABASE_URL and key belong to the same project."),
      { cause: error },
    );
  }
  return new Error(`PostgREST refused the call (HTTP ${status}${code ? `, ${code}` : ""}): ${message}`, { cause: error });
}
