// POST /v1/activities/batch — record 1 to 100 activities at once (scope activities:write): all
// or nothing, in one transaction and one database call. The first bad field is named with its
// item (`activities[3].metadata`) and its usual code, by the gateway and again by the database
// (which alone can tell contact_not_found / deal_not_found). One activity.created per item, in
// order. A batch counts as one request against the rate limit (README: why). Idempotency-Key
// works as on POST /v1/activities.

import { callRpc } from "../../operation/database-call.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { IdempotencyHeaders } from "../../operation/idempotency.ts";
import { BATCH_EXAMPLE, BATCH_MAX_ITEMS, BatchCreateBody, batchBodyLimit, BatchResponseSchema } from "./change-schema.ts";
import { type Activity, ACTIVITY_RESPONSE_EXAMPLE } from "./schema.ts";

export const createActivities = defineOperation({
  method: "post",
  path: "/v1/activities/batch",
  operationId: "createActivities",
  summary: "Record activities in a batch",
  description:
    `Records 1 to ${BATCH_MAX_ITEMS} activities, each exactly the body of \`POST /v1/activities\`, all or nothing: a bad ` +
    "item writes nothing, and the error's `param` names the first bad field with its item, e.g. `activities[3].metadata`, " +
    "with that field's usual code (`contact_not_found` and `deal_not_found` too). Fires one `activity.created` per " +
    "activity, in order. Counts as one request against the rate limit. The body limit is raised for this route to fit " +
    `${BATCH_MAX_ITEMS} activities with every field at its limit.\n\n` +
    "Safe to retry with an `Idempotency-Key`, as `POST /v1/activities`: a retry with the same key and body records " +
    "nothing and fires no second webhook, and answers the first response again with `Idempotent-Replayed: true`.",
  scope: "activities:write",
  headers: IdempotencyHeaders,
  body: { schema: BatchCreateBody, example: BATCH_EXAMPLE, limitBytes: batchBodyLimit },
  success: {
    status: 201,
    description: "Recorded, in request order, each as `POST /v1/activities` returns it.",
    schema: BatchResponseSchema,
    example: { data: { activities: [ACTIVITY_RESPONSE_EXAMPLE.data.activity] } },
  },
  errors: {
    400: ["missing_required_field", "metadata_too_large"],
    404: ["contact_not_found", "deal_not_found"],
  },
  async handler({ body }, c) {
    const { activities } = await callRpc<{ activities: Activity[] }>(c, "create_activities", { activities: body.activities });
    return { body: { data: { activities } } };
  },
});
