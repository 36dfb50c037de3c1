// GET /v1/activities/{id} — one activity of the key's workspace (scope activities:read); the
// target of the Location header that POST returns.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { type Activity, ACTIVITY_RESPONSE_EXAMPLE, ActivityId, ActivityResponseSchema } from "./schema.ts";

export const getActivity = defineOperation({
  method: "get",
  path: "/v1/activities/{id}",
  operationId: "getActivity",
  summary: "Get an activity",
  description: "One activity of the key's workspace: the target of the `Location` that recording it returned.",
  scope: "activities:read",
  params: { id: ActivityId },
  success: { status: 200, description: "The activity.", schema: ActivityResponseSchema, example: ACTIVITY_RESPONSE_EXAMPLE },
  // Also for a malformed id, and for another workspace's activity (indistinguishable from a missing one).
  errors: { 404: ["activity_not_found"] },
  async handler({ params }, c) {
    const { activity } = await callRpc<{ activity: Activity }>(c, "get_activity", { id: params.id });
    return { body: { data: { activity } } };
  },
});
