// The timeline listings (GET /v1/activities, /v1/contacts/{contact_id}/activities,
// /v1/deals/{deal_id}/activities): their query, their page, and the one database call all three
// make, api.list_activities. The database repeats every check made here (a PostgREST caller
// reaches it directly) and decides what the cursor may be: the last activity of the previous
// page of this same listing, which is why a cursor from another listing or workspace is a 400
// exactly like an unknown one.

import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../context.ts";
import { callRpc } from "../../operation/database-call.ts";
import type { PathParam } from "../../operation/declaration.ts";
import { type Activity, ACTIVITY_RESPONSE_EXAMPLE, ActivityId, ActivitySchema } from "./schema.ts";

export const TIMELINE_PAGE_DEFAULT = 25;
export const TIMELINE_PAGE_MAX = 100;
export const TIMELINE_TYPES_MAX = 20;

const TYPE = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}";
const IDENTIFIER = new RegExp(`^${TYPE}$`);
const UUID_ANY_CASE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// RFC 3339 date-time. A space where the offset's sign belongs is a `+` that was not
// percent-encoded (a query string decodes `+` as a space): read as the `+` it was.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+\- ](\d{2}):(\d{2}))$/i;

/** An RFC 3339 date-time with a real calendar date, in the form PostgreSQL reads; undefined if it is not one. */
export function rfc3339(text: string): string | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
  const offset = match[8]!;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  // :60 is RFC 3339's leap second; PostgreSQL reads it as the next minute's :00.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (offset.length > 1 && (Number(match[9]) > 23 || Number(match[10]) > 59)) return undefined;
  return text.slice(0, text.length - offset.length).toUpperCase() + (offset.startsWith(" ") ? `+${offset.slice(1)}` : offset.toUpperCase());
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const uuidFilter = (field: string, about: string) =>
  v.pipe(
    v.string(),
    v.regex(UUID_ANY_CASE, `${field} must be a UUID.`),
    v.metadata({ format: "uuid", description: about }),
    v.transform((text: string) => text.toLowerCase()),
  );

const instant = (field: string, about: string) =>
  v.pipe(
    v.string(),
    v.check((text: string) => rfc3339(text) !== undefined, `${field} must be an RFC 3339 date-time, e.g. 2026-04-17T14:23:05Z.`),
    v.metadata({ format: "date-time", description: about, examples: ["2026-04-17T14:23:05Z"] }),
    v.transform((text: string) => rfc3339(text)!),
  );

const TYPE_FILTER_MESSAGE =
  `type must be 1 to ${TIMELINE_TYPES_MAX} activity types, each 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.`;

/** `type=call&type=email` and `type=call,email` alike; the document states the first form. */
const typeFilter = v.pipe(
  // Each value one type or several, comma-separated.
  v.array(v.pipe(v.string(), v.metadata({ pattern: `^${TYPE}(,${TYPE})*$`, examples: ["call"] }))),
  v.description(
    `Only these types: repeat the parameter (\`type=call&type=email\`) or separate them with commas (\`type=call,email\`); at most ${TIMELINE_TYPES_MAX}.`,
  ),
  v.transform((values: string[]) => values.flatMap((value) => value.split(","))),
  v.check((types: string[]) => types.length <= TIMELINE_TYPES_MAX, TYPE_FILTER_MESSAGE),
  // On the whole list, so that `param` is "type" whichever type is refused.
  v.check((types: string[]) => types.every((type) => IDENTIFIER.test(type)), TYPE_FILTER_MESSAGE),
);

const filters = {
  entity_type: v.optional(
    v.pipe(
      v.string(),
      v.regex(IDENTIFIER, 'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.'),
      v.description("Only activities about this kind of entity; given together with entity_id."),
    ),
  ),
  entity_id: v.optional(uuidFilter("entity_id", "Only activities about this entity (a UUID); given together with entity_type.")),
  type: v.optional(typeFilter),
  created_after: v.optional(instant("created_after", "Only activities recorded strictly after this instant (RFC 3339, any offset; full precision, not only the second shown).")),
  created_before: v.optional(instant("created_before", "Only activities recorded strictly before this instant (RFC 3339, any offset).")),
  limit: v.pipe(
    v.optional(v.string(), String(TIMELINE_PAGE_DEFAULT)),
    v.check((value) => /^\d{1,3}$/.test(value), `limit must be a whole number from 1 to ${TIMELINE_PAGE_MAX}.`),
    // Query values are strings; the document states the number they must spell.
    v.metadata({ type: "integer", minimum: 1, maximum: TIMELINE_PAGE_MAX, default: TIMELINE_PAGE_DEFAULT, description: "Page size." }),
    v.transform(Number),
    v.minValue(1, `limit must be a whole number from 1 to ${TIMELINE_PAGE_MAX}.`),
    v.maxValue(TIMELINE_PAGE_MAX, `limit must be a whole number from 1 to ${TIMELINE_PAGE_MAX}.`),
  ),
  starting_after: v.optional(
    ActivityId.field(
      "starting_after must be an activity id (act_…).",
      "`next_cursor` of the previous page: the id of its last activity. It must come from this same listing (same filters); omit it for the first page.",
    ),
  ),
};

const contactFilter = uuidFilter("contact_id", "Only activities on this contact's timeline.");
const dealFilter = uuidFilter("deal_id", "Only activities on this deal's timeline.");

export const ListActivitiesQuery = v.object({ contact_id: v.optional(contactFilter), deal_id: v.optional(dealFilter), ...filters });
export const ContactActivitiesQuery = v.object({ deal_id: v.optional(dealFilter), ...filters });
export const DealActivitiesQuery = v.object({ contact_id: v.optional(contactFilter), ...filters });

type AnyTimelineQuery = Partial<v.InferOutput<typeof ListActivitiesQuery>> & { limit: number };

const bareUuidParam = (noun: string, code: "contact_not_found" | "deal_not_found"): PathParam<string> => ({
  schema: v.pipe(
    v.string(),
    v.regex(UUID_ANY_CASE),
    v.metadata({ format: "uuid", description: `The ${noun}'s id (a UUID).`, examples: ["123e4567-e89b-12d3-a456-426614174000"] }),
    v.transform((text: string) => text.toLowerCase()),
  ),
  notFound: { code, message: (value) => `No ${noun} with id ${JSON.stringify(value.slice(0, 100))} exists in this workspace.` },
});

/** A contact in a path: a malformed id is simply an unknown one (404 contact_not_found). */
export const ContactId = bareUuidParam("contact", "contact_not_found");
export const DealId = bareUuidParam("deal", "deal_not_found");

export const ActivityListResponseSchema = v.strictObject({
  data: v.strictObject({ activities: v.array(ActivitySchema) }),
  has_more: v.pipe(v.boolean(), v.description("Whether a next page exists: ask for it with starting_after = next_cursor.")),
  next_cursor: v.pipe(
    v.nullable(v.pipe(v.string(), v.regex(ActivityId.issued))),
    v.metadata({ description: "The id of this page's last activity when has_more, else null.", examples: ["act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d"] }),
  ),
});
export type ActivityList = v.InferOutput<typeof ActivityListResponseSchema>;

interface Page {
  activities: Activity[];
  has_more: boolean;
  next_cursor: string | null;
}

/** One page of a listing; `timelineOf` makes it that contact's or deal's timeline (404 when the key cannot see it). */
export async function timelinePage(c: Context<AppEnv>, query: AnyTimelineQuery, timelineOf?: "contact" | "deal"): Promise<{ body: ActivityList }> {
  const page = await callRpc<Page>(c, "list_activities", {
    contact_id: query.contact_id,
    deal_id: query.deal_id,
    entity_type: query.entity_type,
    entity_id: query.entity_id,
    types: query.type,
    created_after: query.created_after,
    created_before: query.created_before,
    max_results: query.limit,
    starting_after: query.starting_after,
    timeline_of: timelineOf,
  });
  return { body: { data: { activities: page.activities }, has_more: page.has_more, next_cursor: page.next_cursor } };
}

export const TIMELINE_DESCRIPTION =
  `Newest first; \`limit\` per page (1–${TIMELINE_PAGE_MAX}, default ${TIMELINE_PAGE_DEFAULT}). For the next page send \`starting_after\` = \`next_cursor\`: ` +
  "pages are cut by (creation time, id), so an activity that existed when the first page was read is listed exactly once however many " +
  "are recorded meanwhile (new ones appear on a new first page), and a read sees the caller's own writes at once. A bad filter, limit " +
  "or cursor is `400 invalid_field` naming the parameter; so is a cursor from another listing or workspace.";

export const ACTIVITY_LIST_EXAMPLE: ActivityList = {
  data: { activities: [ACTIVITY_RESPONSE_EXAMPLE.data.activity] },
  has_more: true,
  next_cursor: ACTIVITY_RESPONSE_EXAMPLE.data.activity.id,
};
