// Administrative SQL (migrations, seeding, key management, test fixtures) over either kind of
// database the Node tooling handles: a real Postgres via postgres.js, or an embedded PGlite.
// Runs as the connection's own role (an owner), never as the API's `anon`.

import type { PGlite, Transaction } from "@electric-sql/pglite";
import postgres from "postgres";

export interface SqlExecutor {
  /** One statement with $n parameters. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** A script of statements without parameters (simple query protocol). */
  exec(script: string): Promise<void>;
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function postgresExecutor(url: string, options: { max?: number } = {}): SqlExecutor {
  const sql = postgres(url, { max: options.max ?? 2, onnotice: () => {}, connect_timeout: 10 });
  const wrap = (runner: postgres.Sql | postgres.TransactionSql): SqlExecutor => ({
    async query<Row>(text: string, params: unknown[] = []) {
      return (await runner.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as Row[];
    },
    async exec(script: string) {
      await runner.unsafe(script);
    },
    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>) {
      return (await sql.begin((tx) => work(wrap(tx)))) as T;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  });
  return wrap(sql);
}

export function pgliteExecutor(pg: PGlite, options: { closeWithExecutor?: boolean } = {}): SqlExecutor {
  const wrap = (runner: PGlite | Transaction): SqlExecutor => ({
    async query<Row>(text: string, params: unknown[] = []) {
      return (await runner.query<Row>(text, params)).rows;
    },
    async exec(script: string) {
      await runner.exec(script);
    },
    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>) {
      return pg.transaction((tx) => work(wrap(tx)));
    },
    async close() {
      if (options.closeWithExecutor && !pg.closed) await pg.close();
    },
  });
  return wrap(pg);
}
