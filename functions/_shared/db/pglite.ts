// Embedded transport: PGlite (real Postgres compiled to WASM, in-process). The default of
// `npm start` when no DATABASE_URL is set, and the in-process test target. It runs the same
// per-request SQL as the wire transport; PGlite has one connection and serialises transactions.

import type { PGlite } from "@electric-sql/pglite";
import { type Database, DatabaseError, DatabaseUnavailableError, type RpcRequest } from "./database.ts";
import { DEFAULT_POSTGREST_SETTINGS, type PostgrestSettings, requestLocals, setRequestLocalsSql, transactionModeSql } from "./postgrest-request.ts";
import { buildRpcCall, parseRpcResult } from "./rpc-signatures.ts";

export function createPgliteDatabase(pg: PGlite, settings: Partial<PostgrestSettings> = {}): Database {
  const resolved = { ...DEFAULT_POSTGREST_SETTINGS, ...settings };
  return {
    async rpc(request: RpcRequest): Promise<unknown> {
      const call = buildRpcCall(request.fn, request.args);
      try {
        return await pg.transaction(async (tx) => {
          const mode = transactionModeSql(resolved, request);
          if (mode) await tx.exec(mode);
          const locals = requestLocals(resolved, request);
          await tx.query(setRequestLocalsSql(locals.length), locals.flat());
          const { rows } = await tx.query<{ result: string | null }>(call.text, call.values);
          return parseRpcResult(rows[0]!.result);
        });
      } catch (error) {
        throw normalizeError(error);
      }
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}

function normalizeError(error: unknown): Error {
  const fields = error as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
  if (typeof fields.code === "string" && /^[0-9A-Z]{5}$/.test(fields.code)) {
    return new DatabaseError({
      sqlState: fields.code,
      message: String(fields.message),
      detail: typeof fields.detail === "string" ? fields.detail : undefined,
      hint: typeof fields.hint === "string" ? fields.hint : undefined,
    });
  }
  return new DatabaseUnavailableError("The embedded database failed.", { cause: error });
}
