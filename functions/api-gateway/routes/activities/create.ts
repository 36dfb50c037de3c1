// POST /v1/activities — record an activity on the timeline (scope activities:write). The
// database call is one RPC that checks the key, the scope and the contact/deal, inserts the
// row and (by trigger) queues activity.created, all in one transaction.

import type { Context } from "hono";
import { toApiError } from "../../../_shared/db/api-errors.ts";
import { ApiError } from "../../../_shared/errors.ts";
import type { AppEnv } from "../../context.ts";
import { readJsonObject } from "../../middleware/json-body.ts";
import { publicPrefix } from "../../public-path.ts";
import { parseInput } from "../../validation.ts";
import { type Activity, type ActivityResponse, CreateActivityBody, fitsMetadataLimit } from "./schema.ts";

const CHECK_CODES = new Map([[fitsMetadataLimit, "metadata_too_large" as const]]);

export async function createActivity(c: Context<AppEnv>) {
  const input = parseInput(CreateActivityBody, readJsonObject(c), CHECK_CODES);
  if ((input.entity_type == null) !== (input.entity_id == null)) {
    const missing = input.entity_type == null ? "entity_type" : "entity_id";
    throw new ApiError("invalid_field", "entity_type and entity_id must be given together.", { param: missing });
  }

  const { services, apiKey } = c.var;
  let result: { workspace_id: string; activity: Activity };
  try {
    result = (await services.db.rpc({ fn: "create_activity", args: input, apiKey })) as typeof result;
  } catch (error) {
    throw toApiError(error);
  }
  c.set("workspaceId", result.workspace_id);
  const { activity } = result;
  const body: ActivityResponse = { data: { activity } };
  return c.json(body, 201, {
    Location: `${publicPrefix(c.req.raw)}/v1/activities/${activity.id}`,
  });
}
