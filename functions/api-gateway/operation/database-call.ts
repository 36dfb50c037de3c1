// The one database call a handler makes: api.<fn>(args) as the request's key, read-only when
// the request is a GET or HEAD (PostgREST runs those in a READ ONLY transaction, so a read
// route can write nothing whatever its function does). Its failure becomes the API's error on
// every transport, and the workspace it resolved is noted for the request log. Whether the
// database accepted or refused the key is noted for the refused-key limit. An Idempotency-Key
// travels to SQL as a request header, as PostgREST passes it; a result the database replayed
// for it is noted for the reply (operation/idempotency.ts).

import type { Context } from "hono";
import { toApiError } from "../../_shared/db/api-errors.ts";
import type { RpcName } from "../../_shared/db/rpc-signatures.ts";
import type { AppEnv } from "../context.ts";

/**
 * `args` are named; an absent (undefined) one takes the function's default. Resolves to its JSON
 * result. The request's Idempotency-Key, where its operation takes one, goes along (the pipeline
 * parsed it).
 */
export async function callRpc<T>(c: Context<AppEnv>, fn: RpcName, args: Record<string, unknown>): Promise<T> {
  const { services, apiKey } = c.var;
  const readOnly = c.req.method === "GET" || c.req.method === "HEAD";
  const idempotencyKey = readOnly ? undefined : c.var.idempotencyKey;
  let result: { workspace_id: string; idempotent_replayed?: boolean } & T;
  try {
    result = (await services.db.rpc({ fn, args, apiKey, readOnly, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) })) as typeof result;
  } catch (error) {
    const refusal = toApiError(error);
    if (refusal.code === "invalid_key") c.set("keyVerdict", "refused");
    throw refusal;
  }
  c.set("keyVerdict", "accepted");
  c.set("workspaceId", result.workspace_id);
  if (result.idempotent_replayed === true) c.set("idempotentReplayed", true);
  return result;
}
