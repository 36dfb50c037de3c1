// Idempotent POSTs (issue 9, Stripe's semantics). An operation that creates something declares
// `headers: IdempotencyHeaders`; the pipeline hands the parsed key to callRpc; the database decides the
// rest in the write's own transaction (supabase/migrations/20261202140500_idempotency_keys.sql):
// a repeat with the same key and request answers the first result again, marked
// `idempotent_replayed`, which callRpc notes and the pipeline answers as `Idempotent-Replayed:
// true`; another request under the key is 422 idempotency_key_reused; the key while its first
// request runs is 409 idempotency_key_in_progress. The pipeline (operationErrors) and the document
// add those codes and the header to every operation that declares the key.

import * as v from "valibot";
import type { ErrorTable, Operation, ResponseHeader } from "./declaration.ts";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";
/** How long a key is remembered (the SQL helpers' interval). */
export const IDEMPOTENCY_KEY_HOURS = 24;

/** The request header, as an operation's `headers` declaration. */
export const IdempotencyHeaders = v.object({
  [IDEMPOTENCY_KEY_HEADER]: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[\x20-\x7e]{1,255}$/, `${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters.`),
      v.description(
        `A key of your choice (1-255 printable ASCII characters, e.g. a UUID) that makes retrying this request safe: ` +
          `for ${IDEMPOTENCY_KEY_HOURS} hours, a request with the same key and the same body, in the same workspace, ` +
          `writes nothing and answers the first response again (same status, body and \`Location\`) with ` +
          `\`${IDEMPOTENT_REPLAYED_HEADER}: true\`. The same key with a different request is \`422 idempotency_key_reused\`; ` +
          `while the first request is still running, \`409 idempotency_key_in_progress\` with \`Retry-After\`. A request ` +
          `that fails (any 4xx or 5xx) is not remembered: retry it, corrected, with the same key.`,
      ),
    ),
  ),
});

export type IdempotencyInput = v.InferOutput<typeof IdempotencyHeaders>;

/** Whether the operation takes an Idempotency-Key. */
export function isIdempotent(operation: Pick<Operation, "headers">): boolean {
  return operation.headers !== undefined && IDEMPOTENCY_KEY_HEADER in operation.headers.entries;
}

/** What the key can answer besides the operation's own errors. */
export const IDEMPOTENCY_ERRORS: ErrorTable = {
  409: ["idempotency_key_in_progress"],
  422: ["idempotency_key_reused"],
};

/** The success header a replay carries. */
export const IDEMPOTENT_REPLAYED: ResponseHeader = {
  description: `\`true\` when this response is the replay of an earlier request with the same \`${IDEMPOTENCY_KEY_HEADER}\` (nothing was written this time); absent otherwise.`,
  schema: v.literal("true"),
};
