// /v1/activities operations: what each one is, needs and answers. registerOperations adds the
// middleware in the order the design fixes — body limit → key syntax → rate limit → handler
// (parse/validate, one database call) — and the same declarations generate the API document.

import type { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { type Operation, registerOperations } from "../../operation.ts";
import { createActivity } from "./create.ts";
import { getActivity } from "./get.ts";
import {
  ACTIVITY_RESPONSE_EXAMPLE,
  ActivityIdParam,
  ActivityResponseSchema,
  ActivitySchema,
  CREATE_ACTIVITY_EXAMPLE,
  CreateActivityBody,
} from "./schema.ts";

const TAG = "Activities";

export const activityOperations: Operation[] = [
  {
    method: "post",
    path: "/v1/activities",
    operationId: "createActivity",
    tag: TAG,
    summary: "Record an activity",
    description:
      "Records a call, email, meeting, note, completed task or agent action on the timeline of its contact and deal, " +
      "and fires `activity.created` to the workspace's webhook endpoints. Only `type` is required; omitted fields come " +
      "back as `null`; unknown fields are refused. A failed request writes nothing.\n\n" +
      "Not idempotent: the API has no `Idempotency-Key`, so retrying a request whose response you did not receive " +
      "may record the activity twice.",
    scope: "activities:write",
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
    handler: createActivity,
  },
  {
    method: "get",
    path: "/v1/activities/{id}",
    operationId: "getActivity",
    tag: TAG,
    summary: "Get an activity",
    description: "One activity of the key's workspace: the target of the `Location` that recording it returned.",
    scope: "activities:read",
    pathParams: { id: ActivityIdParam },
    success: { status: 200, description: "The activity.", schema: ActivityResponseSchema, example: ACTIVITY_RESPONSE_EXAMPLE },
    // Also for a malformed id, and for another workspace's activity (indistinguishable from a missing one).
    errors: { 404: ["activity_not_found"] },
    handler: getActivity,
  },
];

/** Named in the document's components.schemas. */
export const activitySchemas = {
  Activity: ActivitySchema,
  ActivityResponse: ActivityResponseSchema,
  CreateActivityRequest: CreateActivityBody,
};

export function registerActivityRoutes(app: Hono<AppEnv>): void {
  registerOperations(app, activityOperations);
}
