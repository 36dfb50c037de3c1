// DELETE /v1/activities/{id} — remove an activity (scope activities:write). A hard delete: the
// activity is gone from every read at once, and activity.deleted (queued by a trigger in the
// same transaction) carries it as it was. A write-only key may delete; the answer tells it only
// that the activity went.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { ActivityId } from "./schema.ts";

export const deleteActivity = defineOperation({
  method: "delete",
  path: "/v1/activities/{id}",
  operationId: "deleteActivity",
  summary: "Delete an activity",
  description:
    "Removes the activity for good: it is gone from every read and listing at once, and `activity.deleted` carries it " +
    "as it was to the workspace's webhook endpoints. Deleting it again is 404 `activity_not_found`, as is another " +
    "workspace's id.",
  scope: "activities:write",
  params: { id: ActivityId },
  success: { status: 204, description: "Deleted." },
  errors: { 404: ["activity_not_found"] },
  async handler({ params }, c) {
    await callRpc(c, "delete_activity", { id: params.id });
    return {};
  },
});
