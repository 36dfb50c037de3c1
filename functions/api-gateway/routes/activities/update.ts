// PATCH /v1/activities/{id} — change an activity (scope activities:write): one database call
// that checks the fields again, changes the row in the key's workspace and (by trigger) queues
// activity.updated with the old values of what changed. An update that changes nothing writes
// nothing and fires nothing.
//
// What a write-only key sees: the activity is answered only to a key that may also read it
// (activities:read). A key that may only write gets 204: otherwise a PATCH that changes nothing
// (or one field) would read the whole activity back, other fields and other writers' data
// included. The change itself is the same either way.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { UPDATE_EXAMPLE, UPDATED_RESPONSE_EXAMPLE, UpdateActivityBody } from "./change-schema.ts";
import { type Activity, ActivityId, ActivityResponseSchema } from "./schema.ts";

export const updateActivity = defineOperation({
  method: "patch",
  path: "/v1/activities/{id}",
  operationId: "updateActivity",
  summary: "Update an activity",
  description:
    "Changes the fields it is given, with the same rules and codes as recording one: `null` clears an optional field, " +
    "`type` cannot be cleared, `metadata` is replaced whole, and `entity_type`/`entity_id` must still come together " +
    "afterwards. Fires `activity.updated` with `previous_attributes` holding the old values of exactly the fields that " +
    "changed; an update that changes nothing fires nothing.\n\n" +
    "Answers the activity as `GET` returns it when the key may also read (`activities:read`); a key that may only " +
    "write gets `204`, so that writing never reads.",
  scope: "activities:write",
  params: { id: ActivityId },
  body: { schema: UpdateActivityBody, example: UPDATE_EXAMPLE },
  success: {
    status: 200,
    description: "The activity as changed (as `GET /v1/activities/{id}` returns it).",
    schema: ActivityResponseSchema,
    example: UPDATED_RESPONSE_EXAMPLE,
    noContent: "Changed; the key lacks `activities:read`, so the activity is not shown.",
  },
  // An unknown or another workspace's id: activity_not_found; type sent as null: missing_required_field.
  errors: {
    400: ["missing_required_field", "metadata_too_large"],
    404: ["activity_not_found", "contact_not_found", "deal_not_found"],
  },
  async handler({ params, body }, c) {
    const { activity } = await callRpc<{ activity: Activity | null }>(c, "update_activity", { id: params.id, changes: body });
    if (activity === null) return c.body(null, 204);
    return { body: { data: { activity } } };
  },
});
