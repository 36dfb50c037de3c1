// /v1/activities: the resource's operations, one file each. Adding one is a new file and a line
// here; the pipeline (operation/pipeline.ts) and the API document pick it up from this list.

import type { Resource } from "../../operation/declaration.ts";
import { createActivities } from "./batch.ts";
import { BatchCreateBody, BatchResponseSchema, UpdateActivityBody } from "./change-schema.ts";
import { createActivity } from "./create.ts";
import { deleteActivity } from "./delete.ts";
import { getActivity } from "./get.ts";
import { listActivities } from "./list.ts";
import { listContactActivities } from "./list-for-contact.ts";
import { listDealActivities } from "./list-for-deal.ts";
import { updateActivity } from "./update.ts";
import { ActivityResponseSchema, ActivitySchema, CreateActivityBody } from "./schema.ts";
import { ActivityListResponseSchema } from "./timeline.ts";

export const activities: Resource = {
  tag: { name: "Activities", description: "Calls, emails, meetings, notes, tasks and agent actions on contact and deal timelines." },
  operations: [
    createActivity,
    createActivities,
    listActivities,
    getActivity,
    updateActivity,
    deleteActivity,
    listContactActivities,
    listDealActivities,
  ],
  schemas: {
    Activity: ActivitySchema,
    ActivityResponse: ActivityResponseSchema,
    ActivityList: ActivityListResponseSchema,
    CreateActivityRequest: CreateActivityBody,
    UpdateActivityRequest: UpdateActivityBody,
    CreateActivitiesRequest: BatchCreateBody,
    ActivitiesResponse: BatchResponseSchema,
  },
};
