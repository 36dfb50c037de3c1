// What PostgREST runs before calling a function, reproduced for the wire-level transports:
// one statement of transaction-local settings (PostgREST's Query/PreQuery.hs `txVarQuery`) —
// search path, the role's own settings (before the role switch, so that a setting granted to
// the connecting role with GRANT SET ON PARAMETER applies), the role switch, JWT claims,
// method, path, headers, cookies — in a transaction of the role's isolation level.

import type { RpcRequest } from "./database.ts";
import { inlineRpcCall } from "./rpc-signatures.ts";
import { quoteText } from "./sql-literal.ts";

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface PostgrestSettings {
  /** The role requests run as; PostgREST's db-anon-role. */
  role: string;
  /**
   * The role's own `alter role … set` values, as PostgREST reads them at start-up
   * (Config/Database.hs `queryRoleSettings`, see ROLE_SETTINGS_SQL); Supabase: anon's 3s
   * statement_timeout.
   */
  roleSettings: ReadonlyArray<readonly [name: string, value: string]>;
  /** The role's default_transaction_isolation, which PostgREST begins the transaction with. */
  isolationLevel?: IsolationLevel;
  /** The anon key's claims, as request.jwt.claims shows them (PostgREST adds the role). */
  claims: Readonly<Record<string, unknown>>;
  /** PostgREST's db-schemas + db-extra-search-path. */
  searchPath: string;
}

export const DEFAULT_POSTGREST_SETTINGS: PostgrestSettings = {
  role: "anon",
  roleSettings: [["statement_timeout", "3s"]],
  // What every Supabase anon key carries (hosted keys add `ref`, `iat` and `exp`).
  claims: { iss: "supabase", role: "anon" },
  searchPath: '"api", "public", "extensions"',
};

/** The transaction-local settings as name/value pairs, in PostgREST's order. */
export function requestLocals(settings: PostgrestSettings, request: RpcRequest): Array<readonly [string, string]> {
  return [
    ["search_path", settings.searchPath],
    ...settings.roleSettings,
    ["role", settings.role],
    ["request.jwt.claims", JSON.stringify({ ...settings.claims, role: settings.role })],
    ["request.method", request.readOnly ? "GET" : "POST"],
    ["request.path", `/rpc/${request.fn}`],
    // Lower-cased names, as PostgREST passes them. Only the API key and the Idempotency-Key:
    // nothing else is SQL's business.
    [
      "request.headers",
      JSON.stringify(
        request.idempotencyKey === undefined
          ? { "x-api-key": request.apiKey }
          : { "x-api-key": request.apiKey, "idempotency-key": request.idempotencyKey },
      ),
    ],
    ["request.cookies", "{}"],
  ];
}

/** `select set_config($1, $2, true), …` for `count` settings, with names and values as parameters. */
export function setRequestLocalsSql(count: number): string {
  return `select ${Array.from({ length: count }, (_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`;
}

/** The transaction's mode when it is not PostgREST's default (READ COMMITTED, READ WRITE). */
export function transactionModeSql(settings: PostgrestSettings, request: RpcRequest): string | undefined {
  const modes = [
    ...(settings.isolationLevel && settings.isolationLevel !== "read committed" ? [`isolation level ${settings.isolationLevel}`] : []),
    ...(request.readOnly ? ["read only"] : []),
  ];
  return modes.length > 0 ? `set transaction ${modes.join(", ")}` : undefined;
}

/**
 * The whole request as one simple-protocol message: the settings, then the call. PostgreSQL runs
 * a multi-statement message as one implicit transaction — an error anywhere rolls all of it back
 * and leaves the connection clean — and answers it with a single flush, so the request costs one
 * write and one read on each side, needs no BEGIN/COMMIT, no reserved connection and no
 * prepared statement (it works unchanged behind a transaction-mode pooler).
 */
export function requestScript(settings: PostgrestSettings, request: RpcRequest): string {
  const locals = requestLocals(settings, request).map(([name, value]) => `set_config(${quoteText(name)}, ${quoteText(value)}, true)`);
  const mode = transactionModeSql(settings, request);
  return [...(mode ? [mode] : []), `select ${locals.join(", ")}`, inlineRpcCall(request.fn, request.args)].join(";\n");
}

/**
 * The role's settings the way PostgREST reads them: from pg_roles.rolconfig (settings for every
 * database; `alter role … in database …` ones are not used), only those the connecting role may
 * set — `user` context, or (PostgreSQL 15+) granted with GRANT SET ON PARAMETER — and with
 * default_transaction_isolation kept apart as the isolation level. $1: the role. `pg15`: whether
 * has_parameter_privilege exists.
 */
export function roleSettingsSql(pg15: boolean): string {
  return `
    select substr(c.setting, 1, strpos(c.setting, '=') - 1) as name,
           substr(c.setting, strpos(c.setting, '=') + 1) as value
      from pg_catalog.pg_roles r, unnest(r.rolconfig) with ordinality as c(setting, n)
      join pg_catalog.pg_settings s on s.name = substr(c.setting, 1, strpos(c.setting, '=') - 1)
     where r.rolname = $1
       and (s.context = 'user'${pg15 ? " or pg_catalog.has_parameter_privilege(current_user, s.name, 'set')" : ""})
     order by c.n`;
}

/** Reads the role's settings (once, at start-up, as PostgREST does). */
export async function readRoleSettings(
  query: (text: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>,
  role: string,
): Promise<Pick<PostgrestSettings, "roleSettings" | "isolationLevel">> {
  const [version] = await query("select current_setting('server_version_num')::int as version", []);
  const rows = (await query(roleSettingsSql(Number(version!.version) >= 150_000), [role])) as Array<{ name: string; value: string }>;
  const isolation = rows.find((row) => row.name === "default_transaction_isolation")?.value.toLowerCase();
  return {
    roleSettings: rows.filter((row) => row.name !== "default_transaction_isolation").map((row) => [row.name, row.value] as const),
    // PostgREST's toIsolationLevel: anything else is READ COMMITTED.
    isolationLevel: isolation === "repeatable read" || isolation === "serializable" ? isolation : "read committed",
  };
}
