// The Hono environment shared by the gateway's app, middleware and routes.

import type { KeyVerdict } from "../_shared/ratelimit/refused-key-guard.ts";
import type { Services } from "./services.ts";

export interface AppVariables {
  services: Services;
  requestId: string;
  /** The raw key from `Authorization: Bearer wbk_…`; passed to the database, never logged. */
  apiKey: string;
  /** sha256 of the key, hex: the rate-limit identifier. */
  keyHash: string;
  /** The request body's bytes, read once under the body limit. */
  rawBody: Uint8Array;
  /** Set once the database has resolved the key, for the request log. */
  workspaceId: string;
  /** What the database said of the key, for the refused-key limit (middleware/refused-keys.ts). */
  keyVerdict: KeyVerdict;
  /** The request's parsed Idempotency-Key, when its operation takes one (set by the pipeline, sent by callRpc). */
  idempotencyKey: string;
  /** The database answered a stored result for the request's Idempotency-Key. */
  idempotentReplayed: boolean;
  /** The error code of a failed request, for the request log. */
  errorCode: string;
}

export interface AppEnv {
  Variables: AppVariables;
}
