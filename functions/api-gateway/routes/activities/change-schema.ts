// The bodies of PATCH /v1/activities/{id} and POST /v1/activities/batch, built from the fields
// POST /v1/activities takes (schema.ts), so every field keeps its one rule and code; and the
// batch route's body limit, derived from those same limits.

import * as v from "valibot";
import {
  activityFields,
  ACTIVITY_RESPONSE_EXAMPLE,
  ActivitySchema,
  CreateActivityBody,
  DESCRIPTION_MAX_CODE_POINTS,
  ENTITY_NAME_MAX_CODE_POINTS,
  METADATA_MAX_BYTES,
  TITLE_MAX_CODE_POINTS,
} from "./schema.ts";

export const BATCH_MAX_ITEMS = 100;

/**
 * The largest item a client can send compactly: every text at its limit in 4-byte UTF-8
 * characters (the most one code point takes unescaped), UUIDs and identifiers at their length,
 * metadata at its byte limit. A batch's body limit is BATCH_MAX_ITEMS of these plus the envelope,
 * so any batch that passes the field rules fits (bodies sent with whitespace may not).
 */
export const MAX_ITEM_BYTES =
  JSON.stringify({ type: "", title: "", description: "", contact_id: "", deal_id: "", entity_type: "", entity_id: "", entity_name: "", metadata: {} }).length -
  2 + // the "{}" placeholder for metadata
  64 + // type
  4 * (TITLE_MAX_CODE_POINTS + DESCRIPTION_MAX_CODE_POINTS + ENTITY_NAME_MAX_CODE_POINTS) +
  3 * 36 + // contact_id, deal_id, entity_id
  64 + // entity_type
  METADATA_MAX_BYTES;

/** The batch route's body limit: BODY_LIMIT_BYTES, raised to what BATCH_MAX_ITEMS maximal items take. */
export const batchBodyLimit = (configured: number) =>
  Math.max(configured, '{"activities":[]}'.length + BATCH_MAX_ITEMS * (MAX_ITEM_BYTES + 1));

export const BatchCreateBody = v.strictObject(
  {
    activities: v.pipe(
      v.array(CreateActivityBody, `activities must be an array of 1 to ${BATCH_MAX_ITEMS} activities.`),
      v.minLength(1, `activities must be an array of 1 to ${BATCH_MAX_ITEMS} activities.`),
      v.maxLength(BATCH_MAX_ITEMS, `activities must be an array of 1 to ${BATCH_MAX_ITEMS} activities.`),
      v.description(`1 to ${BATCH_MAX_ITEMS} activities, each exactly the body of \`POST /v1/activities\`.`),
    ),
  },
  "The request body must be a JSON object.",
);
export type BatchCreateInput = v.InferOutput<typeof BatchCreateBody>;

export const BatchResponseSchema = v.strictObject({
  data: v.strictObject({ activities: v.pipe(v.array(ActivitySchema), v.description("The activities recorded, in request order.")) }),
});
export type BatchResponse = v.InferOutput<typeof BatchResponseSchema>;

export const BATCH_EXAMPLE = {
  activities: [
    { type: "email_sent", title: "Proposal sent", contact_id: "123e4567-e89b-12d3-a456-426614174000" },
    { type: "note", title: "Asked for a call next week", contact_id: "123e4567-e89b-12d3-a456-426614174000" },
  ],
} satisfies BatchCreateInput;

const { type, ...optionalFields } = activityFields;

/**
 * PATCH's body: any of the fields, at least one. null clears an optional field; type cannot be
 * cleared (null is missing_required_field); metadata is replaced whole. Whether entity_type and
 * entity_id end up together depends on the stored activity, so the database checks that pair.
 */
export const UpdateActivityBody = v.pipe(
  v.strictObject({ type: v.optional(type), ...optionalFields }, "The request body must be a JSON object."),
  v.check((body) => Object.keys(body).length > 0, "Send at least one field to change."),
  v.metadata({ minProperties: 1 }),
);
export type UpdateActivityInput = v.InferOutput<typeof UpdateActivityBody>;

export const UPDATE_EXAMPLE = { title: "Discovery call with Jane Doe", deal_id: null } satisfies UpdateActivityInput;

export const UPDATED_RESPONSE_EXAMPLE = {
  data: { activity: { ...ACTIVITY_RESPONSE_EXAMPLE.data.activity, title: "Discovery call with Jane Doe", deal_id: null } },
};
