// What PostgREST runs before calling a function, reproduced for the wire-level transports:
// one statement of transaction-local settings (PostgREST's Query.hs `setPgLocals`) — search
// path, the role's own settings, the role switch, JWT claims, method, path, headers, cookies.

import type { RpcRequest } from "./database.ts";
import { inlineRpcCall } from "./rpc-signatures.ts";
import { quoteText } from "./sql-literal.ts";

export interface PostgrestSettings {
  /** The role requests run as; PostgREST's db-anon-role. */
  role: string;
  /** The role's statement_timeout as set by `alter role … set` (Supabase: anon 3s). */
  statementTimeout: string;
  /** PostgREST's db-schemas + db-extra-search-path. */
  searchPath: string;
}

export const DEFAULT_POSTGREST_SETTINGS: PostgrestSettings = {
  role: "anon",
  statementTimeout: "3s",
  searchPath: '"api", "public", "extensions"',
};

/** The transaction-local settings, in the order requestLocals gives their values. */
const REQUEST_LOCALS = [
  "search_path",
  "statement_timeout",
  "role",
  "request.jwt.claims",
  "request.method",
  "request.path",
  "request.headers",
  "request.cookies",
] as const;

export const SET_REQUEST_LOCALS_SQL = `select ${REQUEST_LOCALS.map((name, i) => `set_config('${name}', $${i + 1}, true)`).join(", ")}`;

export function requestLocals(settings: PostgrestSettings, request: RpcRequest): string[] {
  return [
    settings.searchPath,
    settings.statementTimeout,
    settings.role,
    JSON.stringify({ role: settings.role }),
    request.readOnly ? "GET" : "POST",
    `/rpc/${request.fn}`,
    // Lower-cased names, as PostgREST passes them. Only the key: nothing else is SQL's business.
    JSON.stringify({ "x-api-key": request.apiKey }),
    "{}",
  ];
}

/**
 * The whole request as one simple-protocol message: the settings, then the call. PostgreSQL runs
 * a multi-statement message as one implicit transaction — an error anywhere rolls all of it back
 * and leaves the connection clean — and answers it with a single flush, so the request costs one
 * write and one read on each side, needs no BEGIN/COMMIT, no reserved connection and no
 * prepared statement (it works unchanged behind a transaction-mode pooler).
 */
export function requestScript(settings: PostgrestSettings, request: RpcRequest): string {
  const values = requestLocals(settings, request);
  const locals = REQUEST_LOCALS.map((name, i) => `set_config('${name}', ${quoteText(values[i]!)}, true)`);
  return [
    ...(request.readOnly ? ["set transaction read only"] : []),
    `select ${locals.join(", ")}`,
    inlineRpcCall(request.fn, request.args),
  ].join(";\n");
}

/** Reads the role's statement_timeout the way PostgREST does at start-up (pg_db_role_setting). */
export const ROLE_TIMEOUT_SQL = `
  select coalesce((
    select split_part(setting, '=', 2)
      from pg_catalog.pg_db_role_setting s, unnest(s.setconfig) as setting
     where s.setrole = (select oid from pg_catalog.pg_roles where rolname = $1)
       and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
       and setting like 'statement_timeout=%'
     order by s.setdatabase desc
     limit 1
  ), '0') as timeout`;
