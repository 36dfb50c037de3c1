// Postgres-wire transport (postgres.js): what PostgREST would do, done by the gateway itself.
// It connects as a NOINHERIT login role (Supabase's `authenticator`) and, per request, runs
// PostgREST's settings and the function call in one transaction, in one network round trip:
//   - pooled connections (the default): BEGIN, the settings, the call and COMMIT as prepared
//     statements, written together on one reserved connection — PostgreSQL parses and plans
//     each statement once per connection instead of once per request;
//   - `prepare: false` (transaction-mode poolers) and a connection per call (workerd): one
//     simple-protocol message with the values inline, which PostgreSQL runs as one implicit
//     transaction (a first-time prepared statement would cost postgres.js an extra round trip
//     to learn its parameter types, on every call for a fresh connection).
// Used for self-hosting, Workers over Hyperdrive, CI and benchmarks. Runs on Node, Deno and
// workerd (postgres.js picks its socket).

import postgres from "postgres";
import { type Database, DatabaseError, DatabaseUnavailableError, type RpcRequest } from "./database.ts";
import {
  DEFAULT_POSTGREST_SETTINGS,
  type PostgrestSettings,
  requestLocals,
  requestScript,
  ROLE_TIMEOUT_SQL,
  SET_REQUEST_LOCALS_SQL,
} from "./postgrest-request.ts";
import { buildRpcCall } from "./rpc-signatures.ts";

export interface PostgresDatabaseOptions {
  url: string;
  /** Pool size per isolate/process. */
  max?: number;
  /**
   * Prepared statements (default true): each connection parses and plans a request's
   * statements once. false behind a transaction-mode pooler, which may hand the next
   * transaction another server connection: requests then go as literal scripts.
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

  const prepared = pool !== undefined && (options.prepare ?? true);

  return {
    async rpc(request: RpcRequest): Promise<unknown> {
      const sql = pool ?? perCall();
      try {
        const settings = await loadSettings(sql);
        return await withTimeout(prepared ? preparedTransaction(sql, settings, request) : literalScript(sql, settings, request), timeoutMs);
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

/**
 * BEGIN, the settings, the call and COMMIT on one reserved connection, all written before any
 * answer is read (postgres.js pipelines them into one write): one round trip, and no parsing
 * or planning once the connection has prepared them (the first use costs a round trip each for
 * postgres.js to learn the parameter types). An error in any statement aborts the transaction;
 * the COMMIT then rolls it back, and the first error is the one reported.
 */
async function preparedTransaction(pool: postgres.Sql, settings: PostgrestSettings, request: RpcRequest): Promise<unknown> {
  const connection = await pool.reserve();
  const call = buildRpcCall(request.fn, request.args);
  const statements = [
    connection.unsafe(request.readOnly ? "begin read only" : "begin"),
    connection.unsafe(SET_REQUEST_LOCALS_SQL, requestLocals(settings, request), { prepare: true }),
    connection.unsafe(call.text, call.values as postgres.ParameterOrJSON<never>[], { prepare: true }),
    connection.unsafe("commit"),
  ];
  for (const statement of statements) statement.execute();
  // Every statement settles before the connection goes back to the pool, so the next request
  // never lands inside this transaction — even when the caller has stopped waiting for it.
  const outcomes = await Promise.allSettled(statements);
  const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
  // A connection that broke is already back among the pool's closed ones; releasing it would
  // hand it out again (postgres.js does not check).
  if (!failures.some((error) => !(error instanceof postgres.PostgresError))) connection.release();
  if (failures.length > 0) throw failures[0];
  return ((outcomes[2] as PromiseFulfilledResult<unknown>).value as Array<{ result: unknown }>)[0]!.result;
}

/** The settings and the call as one simple-protocol message with the values inline. */
async function literalScript(sql: postgres.Sql, settings: PostgrestSettings, request: RpcRequest): Promise<unknown> {
  // No parameters, so postgres.js sends a simple Query message; its answer is one result per
  // statement, the call's last.
  const results = (await sql.unsafe(requestScript(settings, request))) as unknown as Array<Array<{ result: unknown }>>;
  return results.at(-1)![0]!.result;
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
