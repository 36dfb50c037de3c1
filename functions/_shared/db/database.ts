// The one interface every data path implements: call a function of the `api` schema the way
// PostgREST calls it (as `anon`, with the caller's API key in request.headers), inside one
// transaction, in one round trip. Transports differ only in how they reach Postgres.

import type { RpcName } from "./rpc-signatures.ts";

export interface RpcRequest {
  fn: RpcName;
  /** Named arguments; an absent (undefined) one takes the function's default, as in PostgREST. */
  args: Record<string, unknown>;
  /** The caller's raw API key. It reaches SQL only as request.headers->>'x-api-key'. */
  apiKey: string;
  /** The request's Idempotency-Key; reaches SQL as request.headers->>'idempotency-key'. */
  idempotencyKey?: string;
  /** Run in a READ ONLY transaction (PostgREST does so for GET). */
  readOnly?: boolean;
}

export interface Database {
  /** Resolves to the function's JSON result; rejects with DatabaseError or DatabaseUnavailableError. */
  rpc(request: RpcRequest): Promise<unknown>;
  close(): Promise<void>;
}

/** An error the database raised while running the request (SQLSTATE and its fields). */
export class DatabaseError extends Error {
  readonly sqlState: string;
  readonly detail?: string;
  readonly hint?: string;

  constructor(fields: { sqlState: string; message: string; detail?: string | null; hint?: string | null }) {
    super(fields.message);
    this.name = "DatabaseError";
    this.sqlState = fields.sqlState;
    this.detail = fields.detail ?? undefined;
    this.hint = fields.hint ?? undefined;
  }
}

/** The database could not be reached, or the connection broke before an answer came back. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}
