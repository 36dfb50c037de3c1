// GET /v1/contacts/{contact_id}/activities — one contact's timeline (scope activities:read):
// the listing of GET /v1/activities with contact_id fixed, and 404 when the key's workspace
// has no such contact (another workspace's answers exactly like a missing one).

import { defineOperation } from "../../operation/declaration.ts";
import { ACTIVITY_LIST_EXAMPLE, ActivityListResponseSchema, ContactActivitiesQuery, ContactId, timelinePage, TIMELINE_DESCRIPTION } from "./timeline.ts";

export const listContactActivities = defineOperation({
  method: "get",
  path: "/v1/contacts/{contact_id}/activities",
  operationId: "listContactActivities",
  summary: "List a contact's activities",
  description: `The contact's timeline; the other filters of \`GET /v1/activities\` apply too. ${TIMELINE_DESCRIPTION}`,
  scope: "activities:read",
  params: { contact_id: ContactId },
  query: ContactActivitiesQuery,
  success: { status: 200, description: "A page of the contact's activities, newest first.", schema: ActivityListResponseSchema, example: ACTIVITY_LIST_EXAMPLE },
  // Also for a malformed id, and for another workspace's contact.
  errors: { 404: ["contact_not_found"] },
  handler: ({ params, query }, c) => timelinePage(c, { ...query, contact_id: params.contact_id }, "contact"),
});
