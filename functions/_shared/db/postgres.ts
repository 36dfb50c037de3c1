// Postgres-wire transport (postgres.js): what PostgREST would do, done by the gateway itself.
// It connects as a NOINHERIT login role (Supabase's `authenticator`) and, per request, sends
// PostgREST's settings and the function call as ONE simple-protocol message, which PostgreSQL
// runs as one implicit transaction and answers with one flush: a request costs one network
// round trip and one write and read on each side. Used for self-hosting, Workers over
// Hyperdrive, CI and benchmarks. Runs on Node, Deno and workerd (postgres.js picks its socket).

import postgres from "postgres";
import { type Database, DatabaseError, DatabaseUnavailableError, type RpcRequest } from "./database.ts";
import { parseRpcResult } from "./rpc-signatures.ts";
import { DEFAULT_POSTGREST_SETTINGS, type PostgrestSettings, readRoleSettings, requestScript } from "./postgrest-request.ts";

export interface PostgresDatabaseOptions {
  url: string;
  /** Pool size per isolate/process. */
  max?: number;
  /**
   * postgres.js's prepared statements, used only for the one start-up query: requests are sent
   * as literal scripts. false behind a transaction-mode pooler.
   */
  prepare?: boolean;
  connectTimeoutSeconds?: number;
  /**
   * Longest wait for a request's answer, after which it fails as unavailable. Above the role's
   * statement_timeout: it is for a connection that stalls, not for slow SQL.
   */
  timeoutMs?: number;
  settings?: Partial<PostgrestSettings>;
  /**
   * A new connection for every call, closed before the call returns, instead of a pool. workerd
   * needs this: a socket belongs to the request that opened it ("Cannot perform I/O on behalf of
   * a different request"), and Hyperdrive keeps the real connections pooled behind it.
   */
  connectionPerCall?: boolean;
}

export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const connect = (max: number, extra: postgres.Options<{}> = {}) =>
    postgres(options.url, {
      max,
      prepare: options.prepare ?? true,
      connect_timeout: options.connectTimeoutSeconds ?? 5,
      idle_timeout: 60,
      max_lifetime: 60 * 30,
      onnotice: () => {},
      connection: { application_name: "api-gateway" },
      ...extra,
    });
  const pool = options.connectionPerCall ? undefined : connect(options.max ?? 10);
  // A connection per call skips postgres.js's array-type lookup: a query on every connect.
  const perCall = () => connect(1, { fetch_types: false });
  const base = { ...DEFAULT_POSTGREST_SETTINGS, ...options.settings };
  // PostgREST reads the role's own settings once, at start-up; so do we, on first use (unless
  // they were given).
  let settings: Promise<PostgrestSettings> | undefined;
  const loadSettings = (sql: postgres.Sql) =>
    (settings ??= (
      options.settings?.roleSettings
        ? Promise.resolve(base)
        : readRoleSettings((text, params) => sql.unsafe(text, params as never[]), base.role).then((role) => ({ ...base, ...role }))
    ).catch((error) => {
      settings = undefined;
      throw error;
    }));

  return {
    async rpc(request: RpcRequest): Promise<unknown> {
      const sql = pool ?? perCall();
      try {
        const script = requestScript(await loadSettings(sql), request);
        // No parameters, so postgres.js sends a simple Query message; its answer is one result
        // per statement, the call's last.
        const results = (await withTimeout(sql.unsafe(script), timeoutMs)) as unknown as Array<Array<{ result: string | null }>>;
        return parseRpcResult(results.at(-1)![0]!.result);
      } catch (error) {
        throw normalizeError(error);
      } finally {
        if (!pool) await sql.end({ timeout: 1 });
      }
    },
    async close() {
      await pool?.end({ timeout: 5 });
    },
  };
}

function normalizeError(error: unknown): Error {
  if (error instanceof postgres.PostgresError) {
    return new DatabaseError({
      sqlState: error.code,
      message: error.message,
      detail: error.detail,
      hint: error.hint,
    });
  }
  // Anything else from postgres.js is about the connection: refused, timed out, closed.
  return new DatabaseUnavailableError("The database could not be reached.", { cause: error });
}

class DatabaseTimeoutError extends Error {
  constructor(ms: number) {
    super(`No answer from the database within ${ms} ms.`);
    this.name = "DatabaseTimeoutError";
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
