// POST /v1/activities — record an activity on the timeline (scope activities:write). The
// database call is one RPC that checks the key, the scope and the contact/deal, inserts the
// row and (by trigger) queues activity.created, all in one transaction; with an Idempotency-Key
// the same transaction replays or stores the response.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { IdempotencyHeaders } from "../../operation/idempotency.ts";
import { type Activity, ACTIVITY_RESPONSE_EXAMPLE, ActivityResponseSchema, CREATE_ACTIVITY_EXAMPLE, CreateActivityBody } from "./schema.ts";

export const createActivity = defineOperation({
  method: "post",
  path: "/v1/activities",
  operationId: "createActivity",
  summary: "Record an activity",
  description:
    "Records a call, email, meeting, note, completed task or agent action on the timeline of its contact and deal, " +
    "and fires `activity.created` to the workspace's webhook endpoints. Only `type` is required; omitted fields come " +
    "back as `null`; unknown fields are refused. A failed request writes nothing.\n\n" +
    "Safe to retry with an `Idempotency-Key`: a retry with the same key and body records nothing and fires no second " +
    "webhook, and answers the first response again with `Idempotent-Replayed: true`. Without the key, retrying a " +
    "request whose response you did not receive may record the activity twice.",
  scope: "activities:write",
  headers: IdempotencyHeaders,
  body: { schema: CreateActivityBody, example: CREATE_ACTIVITY_EXAMPLE },
  success: {
    status: 201,
    description: "Recorded. `Location` is the activity's URL.",
    schema: ActivityResponseSchema,
    example: ACTIVITY_RESPONSE_EXAMPLE,
    location: true,
  },
  errors: {
    400: ["missing_required_field", "metadata_too_large"],
    404: ["contact_not_found", "deal_not_found"],
  },
  async handler({ body }, c) {
    const { activity } = await callRpc<{ activity: Activity }>(c, "create_activity", body);
    return { body: { data: { activity } }, location: `/v1/activities/${activity.id}` };
  },
});
