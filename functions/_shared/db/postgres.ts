// Postgres-wire transport (postgres.js): what PostgREST would do, done by the gateway itself.
// It connects as a NOINHERIT login role (Supabase's `authenticator`) and, per request, runs
// BEGIN; the PostgREST settings; the function; COMMIT — written to the socket together
// (pipelined), so a request costs one network round trip. Used for self-hosting, Workers over
// Hyperdrive, CI and benchmarks. Runs on Node, Deno and workerd (postgres.js picks its socket).

import postgres from "postgres";
import { type Database, DatabaseError, DatabaseUnavailableError, type RpcRequest } from "./database.ts";
import {
  DEFAULT_POSTGREST_SETTINGS,
  type PostgrestSettings,
  requestLocals,
  ROLE_TIMEOUT_SQL,
  SET_REQUEST_LOCALS_SQL,
} from "./postgrest-request.ts";
import { buildRpcCall } from "./rpc-signatures.ts";

export interface PostgresDatabaseOptions {
  url: string;
  /** Pool size per isolate/process. */
  max?: number;
  /** false behind a transaction-mode pooler that cannot keep prepared statements. */
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
  // Named prepared statements: after the first use on a connection a call is Bind/Execute only.
  // Unprepared ones (behind a transaction-mode pooler) cost postgres.js a Describe round trip each.
  const prepare = options.prepare ?? true;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const connect = (max: number, extra: postgres.Options<{}> = {}) =>
    postgres(options.url, {
      max,
      prepare,
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
  // PostgREST reads the role's own settings once, at start-up; so do we, on first use.
  let settings: Promise<PostgrestSettings> | undefined;
  const loadSettings = (sql: postgres.Sql) =>
    (settings ??= sql
      .unsafe(ROLE_TIMEOUT_SQL, [base.role])
      .then((rows) => ({ ...base, ...(options.settings?.statementTimeout ? {} : { statementTimeout: String(rows[0]!.timeout) }) }))
      .catch((error) => {
        settings = undefined;
        throw error;
      }));

  return {
    async rpc(request: RpcRequest): Promise<unknown> {
      const sql = pool ?? perCall();
      try {
        const locals = requestLocals(await loadSettings(sql), request);
        const call = buildRpcCall(request.fn, request.args);
        // With a connection of its own, the call needs no reservation (and postgres.js's
        // reserve() never resolves on a fresh connection opened without fetch_types).
        const reserved = pool ? await pool.reserve() : undefined;
        const connection = reserved ?? sql;
        // Issued without awaiting one another: postgres.js pipelines them on the connection.
        // If the call fails, the transaction is aborted and COMMIT answers ROLLBACK.
        const settled = Promise.allSettled([
          connection.unsafe(request.readOnly ? "begin read only" : "begin"),
          connection.unsafe(SET_REQUEST_LOCALS_SQL, locals, { prepare }),
          connection.unsafe(call.text, call.values as postgres.ParameterOrJSON<never>[], { prepare }),
          connection.unsafe("commit"),
        ]);
        // A connection that broke has already been retired by postgres.js; releasing it would
        // put the dead connection back into the pool (and crash the next write on it).
        const releaseIfHealthy = (results: PromiseSettledResult<unknown>[]) => {
          const broken = results.some((r) => r.status === "rejected" && !(r.reason instanceof postgres.PostgresError));
          if (!broken) reserved?.release();
        };
        const results = await withTimeout(settled, timeoutMs, () => {
          // The answer may still come; the connection goes back to the pool only if it does.
          settled.then(releaseIfHealthy);
        });
        releaseIfHealthy(results);
        const [, , result, commit] = results;
        if (result.status === "rejected") throw result.reason;
        if (commit.status === "rejected") throw commit.reason;
        return result.value[0]!.result;
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

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new DatabaseTimeoutError(ms));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
