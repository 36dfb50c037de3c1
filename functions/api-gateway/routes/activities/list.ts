// GET /v1/activities — the workspace's activities, newest first, filtered and paged by keyset
// (scope activities:read). One database call: api.list_activities.

import { defineOperation } from "../../operation/declaration.ts";
import { ACTIVITY_LIST_EXAMPLE, ActivityListResponseSchema, ListActivitiesQuery, timelinePage, TIMELINE_DESCRIPTION } from "./timeline.ts";

export const listActivities = defineOperation({
  method: "get",
  path: "/v1/activities",
  operationId: "listActivities",
  summary: "List activities",
  description: `The workspace's activities, filtered by contact, deal, entity, type and time. ${TIMELINE_DESCRIPTION}`,
  scope: "activities:read",
  query: ListActivitiesQuery,
  success: { status: 200, description: "A page of activities, newest first.", schema: ActivityListResponseSchema, example: ACTIVITY_LIST_EXAMPLE },
  // Every refusal of a filter, the limit or the cursor is 400 invalid_field naming it.
  errors: {},
  handler: ({ query }, c) => timelinePage(c, query),
});
