// GET /v1/deals/{deal_id}/activities — one deal's timeline (scope activities:read):
// the listing of GET /v1/activities with deal_id fixed, and 404 when the key's workspace
// has no such deal (another workspace's answers exactly like a missing one).

import { defineOperation } from "../../operation/declaration.ts";
import { ACTIVITY_LIST_EXAMPLE, ActivityListResponseSchema, DealActivitiesQuery, DealId, timelinePage, TIMELINE_DESCRIPTION } from "./timeline.ts";

export const listDealActivities = defineOperation({
  method: "get",
  path: "/v1/deals/{deal_id}/activities",
  operationId: "listDealActivities",
  summary: "List a deal's activities",
  description: `The deal's timeline; the other filters of \`GET /v1/activities\` apply too. ${TIMELINE_DESCRIPTION}`,
  scope: "activities:read",
  params: { deal_id: DealId },
  query: DealActivitiesQuery,
  success: { status: 200, description: "A page of the deal's activities, newest first.", schema: ActivityListResponseSchema, example: ACTIVITY_LIST_EXAMPLE },
  // Also for a malformed id, and for another workspace's deal.
  errors: { 404: ["deal_not_found"] },
  handler: ({ params, query }, c) => timelinePage(c, { ...query, deal_id: params.deal_id }, "deal"),
});
