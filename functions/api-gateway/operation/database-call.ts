// The one database call a handler makes: api.<fn>(args) as the request's key, read-only when
// the request is a GET or HEAD (PostgREST runs those in a READ ONLY transaction, so a read
// route can write nothing whatever its function does). Its failure becomes the API's error on
// every transport, and the workspace it resolved is noted for the request log.

import type { Context } from "hono";
import { toApiError } from "../../_shared/db/api-errors.ts";
import type { RpcName } from "../../_shared/db/rpc-signatures.ts";
import type { AppEnv } from "../context.ts";

/** `args` are named; an absent (undefined) one takes the function's default. Resolves to its JSON result. */
export async function callRpc<T>(c: Context<AppEnv>, fn: RpcName, args: Record<string, unknown>): Promise<T> {
  const { services, apiKey } = c.var;
  const readOnly = c.req.method === "GET" || c.req.method === "HEAD";
  let result: { workspace_id: string } & T;
  try {
    result = (await services.db.rpc({ fn, args, apiKey, readOnly })) as typeof result;
  } catch (error) {
    throw toApiError(error);
  }
  c.set("workspaceId", result.workspace_id);
  return result;
}
