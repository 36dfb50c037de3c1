// GET /v1/activities/{id} — one activity of the key's workspace (scope activities:read); the
// target of the Location header that POST returns.

import type { Context } from "hono";
import { toApiError } from "../../../_shared/db/api-errors.ts";
import { ApiError } from "../../../_shared/errors.ts";
import type { AppEnv } from "../../context.ts";
import { ACTIVITY_ID, type Activity, type ActivityResponse } from "./schema.ts";

export async function getActivity(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  const uuid = ACTIVITY_ID.exec(id)?.[1];
  if (uuid === undefined) {
    // Not a well-formed id, so no such activity; same answer as an unknown one.
    throw new ApiError("activity_not_found", `No activity with id ${JSON.stringify(id.slice(0, 100))} exists in this workspace.`, {
      param: "id",
    });
  }
  const { services, apiKey } = c.var;
  let result: { workspace_id: string; activity: Activity };
  try {
    result = (await services.db.rpc({ fn: "get_activity", args: { id: uuid }, apiKey, readOnly: true })) as typeof result;
  } catch (error) {
    throw toApiError(error);
  }
  c.set("workspaceId", result.workspace_id);
  const body: ActivityResponse = { data: { activity: result.activity } };
  return c.json(body, 200);
}
