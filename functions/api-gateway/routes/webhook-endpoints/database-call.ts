// The one database call each webhook-endpoint route makes, its failure mapped to the API's
// errors, and the workspace it resolved noted for the request log; plus the id parsing the
// routes share (a malformed id is simply an unknown one).

import type { Context } from "hono";
import type { RpcName } from "../../../_shared/db/rpc-signatures.ts";
import { toApiError } from "../../../_shared/db/api-errors.ts";
import { ApiError } from "../../../_shared/errors.ts";
import { checkWebhookUrl } from "../../../_shared/webhooks/url-policy.ts";
import type { AppEnv } from "../../context.ts";
import { DELIVERY_ID, ENDPOINT_ID } from "./schema.ts";

export async function callApi<T>(c: Context<AppEnv>, fn: RpcName, args: Record<string, unknown>, readOnly = false): Promise<T> {
  const { services, apiKey } = c.var;
  let result: { workspace_id: string } & T;
  try {
    result = (await services.db.rpc({ fn, args, apiKey, readOnly })) as typeof result;
  } catch (error) {
    throw toApiError(error);
  }
  c.set("workspaceId", result.workspace_id);
  return result;
}

export function endpointIdParam(c: Context<AppEnv>, name = "id"): string {
  const id = c.req.param(name) ?? "";
  const uuid = ENDPOINT_ID.exec(id)?.[1];
  if (uuid === undefined) {
    throw new ApiError("webhook_endpoint_not_found", `No webhook endpoint with id ${JSON.stringify(id.slice(0, 100))} exists in this workspace.`, {
      param: name,
    });
  }
  return uuid.toLowerCase();
}

export function deliveryIdParam(c: Context<AppEnv>, name = "delivery_id"): string {
  const id = c.req.param(name) ?? "";
  const uuid = DELIVERY_ID.exec(id)?.[1];
  if (uuid === undefined) {
    throw new ApiError("delivery_not_found", `No delivery with id ${JSON.stringify(id.slice(0, 100))} exists for this endpoint.`, {
      param: name,
    });
  }
  return uuid.toLowerCase();
}

/** The address rules (https, no private/loopback/metadata targets) as a 400 on `url`. */
export async function requireAllowedUrl(c: Context<AppEnv>, url: string): Promise<void> {
  const verdict = await checkWebhookUrl(url, c.var.services.webhookUrlPolicy);
  if (!verdict.ok) throw new ApiError("invalid_field", verdict.reason, { param: "url" });
}
