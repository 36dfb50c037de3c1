// The activity's request and response schemas (valibot): the single definition that validates
// requests, types the handlers and tests, and describes the API (the OpenAPI document is generated
// from these). Field rules follow the public doc; limits it leaves open are set here and documented
// in the README. A check JSON Schema cannot express is followed by v.metadata stating its rule.
//
// The field schemas below (activityFields, the metadata and entity rules) are the ones every
// activity write uses — create now, PATCH and batch later — with the same codes and messages as
// the database's app_private.activity_field_problem, which repeats them.

import * as v from "valibot";
import { compactJson, inexactNumber, JsonText, jsonNesting } from "../../../_shared/json-text.ts";
import { resourceId } from "../../operation/resource-id.ts";
import { codedCheck } from "../../operation/validation.ts";

export const TITLE_MAX_CODE_POINTS = 500;
export const DESCRIPTION_MAX_CODE_POINTS = 65_536;
export const ENTITY_NAME_MAX_CODE_POINTS = 500;
export const METADATA_MAX_BYTES = 8192;
export const METADATA_MAX_DEPTH = 16;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
// No `i` flag (JSON Schema patterns have none): the same set of strings, stated in the document.
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const UTC_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Text PostgreSQL can store and clients can render: no NUL, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

const storable = (field: string) =>
  v.check<string, string>(isStorableText, `${field} must be valid Unicode text without NUL characters.`);

/** 65536 → "65,536", the same on every runtime (the document must not depend on the locale). */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// JSON Schema's maxLength counts code points, exactly the rule the check applies.
const text = (field: string, max: number, about: string) =>
  v.pipe(
    v.string(`${field} must be a string.`),
    storable(field),
    v.check((value) => codePointLength(value) <= max, `${field} must be at most ${max} characters.`),
    v.metadata({ maxLength: max, description: `${about} At most ${thousands(max)} characters (Unicode code points).` }),
  );

const identifier = (field: string, about: string) =>
  v.pipe(
    v.string(`${field} must be a string.`),
    v.regex(IDENTIFIER, `${field} must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.`),
    v.description(about),
  );

const uuid = (field: string, about: string) =>
  v.pipe(
    v.string(`${field} must be a UUID string.`),
    v.regex(UUID, `${field} must be a UUID.`),
    v.metadata({ format: "uuid", description: about }),
  );

/** A UUID in any letter case (the 8-4-4-4-12 form), stored and returned lower case. */
const lowerCaseUuid = (field: string, about: string) =>
  v.pipe(
    v.string(`${field} must be a UUID string.`),
    v.regex(UUID, `${field} must be a UUID.`),
    v.metadata({ format: "uuid", description: about }),
    // After the documented part: the document describes what is sent.
    v.transform((value) => value.toLowerCase()),
  );

const optional = <S extends v.GenericSchema>(schema: S) => v.optional(v.nullable(schema));

/**
 * Walks a parsed JSON value without recursion limits of its own: deep nesting is refused at
 * METADATA_MAX_DEPTH (PostgreSQL's jsonb would otherwise hit its stack limit) and every key and
 * string must be storable text.
 */
function metadataProblem(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: item, depth } = stack.pop()!;
    if (typeof item === "string") {
      if (!isStorableText(item)) return "metadata strings must be valid Unicode text without NUL characters.";
    } else if (typeof item === "object" && item !== null) {
      if (depth > METADATA_MAX_DEPTH) return `metadata may nest at most ${METADATA_MAX_DEPTH} levels deep.`;
      if (Array.isArray(item)) {
        for (const element of item) stack.push({ value: element, depth: depth + 1 });
      } else {
        for (const [key, element] of Object.entries(item)) {
          if (!isStorableText(key)) return "metadata keys must be valid Unicode text without NUL characters.";
          stack.push({ value: element, depth: depth + 1 });
        }
      }
    }
  }
  return undefined;
}

/**
 * metadata as the body reader keeps it (a JsonText: the client's text, compact, with its parsed
 * value), or a plain object (a caller building input in code; its text is JSON.stringify's).
 */
export type MetadataInput = JsonText | Record<string, unknown>;

/** The compact JSON text of metadata: what is stored, returned and measured. */
export const metadataText = (metadata: MetadataInput): string =>
  metadata instanceof JsonText ? compactJson(metadata.text) : JSON.stringify(metadata);

const metadataValue = (metadata: MetadataInput): unknown => (metadata instanceof JsonText ? metadata.value : metadata);

/** Bytes of the compact UTF-8 JSON serialisation — the size the doc's 8 KB limit is about. */
export function metadataBytes(metadata: MetadataInput): number {
  return new TextEncoder().encode(metadataText(metadata)).byteLength;
}

export const fitsMetadataLimit = (metadata: MetadataInput) => metadataBytes(metadata) <= METADATA_MAX_BYTES;

export const INEXACT_NUMBER_MESSAGE =
  "metadata numbers must be kept exactly by an IEEE double: integers within ±(2^53-1), no overflow or underflow.";

const isJsonObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** The metadata rules, in the database's order: object, nesting and text, numbers, size. */
export const MetadataSchema = v.pipe(
  v.custom<MetadataInput>(
    (value) => (value instanceof JsonText ? isJsonObject(value.value) : isJsonObject(value)),
    "metadata must be a JSON object.",
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const text = metadataText(dataset.value);
    // The text's nesting first: it is what the database counts, and cheaper than the walk.
    if (jsonNesting(text) > METADATA_MAX_DEPTH) return addIssue({ message: `metadata may nest at most ${METADATA_MAX_DEPTH} levels deep.` });
    const problem = metadataProblem(metadataValue(dataset.value));
    if (problem) return addIssue({ message: problem });
    const inexact = inexactNumber(text);
    if (inexact !== undefined) addIssue({ message: `${INEXACT_NUMBER_MESSAGE} ${inexact.length > 40 ? `${inexact.slice(0, 40)}…` : inexact} is not.` });
  }),
  codedCheck("metadata_too_large", fitsMetadataLimit, `metadata must be at most ${METADATA_MAX_BYTES} bytes when serialised as JSON.`),
  v.metadata({
    type: "object",
    // Stated, not implied: generators read a bare "object" as one without properties.
    additionalProperties: true,
    description:
      "Type-specific data (call duration, email subject, attendees…): a JSON object of at most " +
      `${METADATA_MAX_BYTES} bytes as compact UTF-8 JSON (larger is 400 metadata_too_large), nested at most ` +
      `${METADATA_MAX_DEPTH} levels. Comes back exactly as sent: the same keys in the same order, every number as ` +
      "written (whitespace between tokens is dropped). A number a JSON parser reading IEEE doubles would change is " +
      "400 invalid_field: an integer value beyond ±(2^53−1) (e.g. 9007199254740993, 1e300), an overflow (1e400), a " +
      "non-zero magnitude below 2.2250738585072014e-308, an exponent of 1000 or more. 1.0 and -0 are kept as written.",
  }),
);

const TYPE_ABOUT =
  "What happened. Free-form, custom types allowed: e.g. call, email, email_sent, email_replied, meeting, note, " +
  "task_completed, ai_action, acme:demo.booked.";
const ENTITY_TYPE_ABOUT =
  "What else the activity concerns when it is not (only) a contact or deal: e.g. campaign, task, list. Given together with entity_id.";

/**
 * Every field an activity write takes, each with its rule, message and code: CreateActivityBody
 * is these in a strict object; a PATCH or batch body reuses them (v.partial, v.array) with
 * entityPairCheck, so that the same input gets the same answer on every route.
 */
export const activityFields = {
  type: v.pipe(
    v.string("type is required and must be a string."),
    v.nonEmpty("type must not be empty."),
    v.regex(IDENTIFIER, 'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.'),
    v.description(TYPE_ABOUT),
  ),
  title: optional(text("title", TITLE_MAX_CODE_POINTS, "Shown on the timeline.")),
  description: optional(text("description", DESCRIPTION_MAX_CODE_POINTS, "Markdown, kept verbatim.")),
  contact_id: optional(uuid("contact_id", "A contact of the key's workspace (another workspace's is 404 contact_not_found, exactly like a missing one).")),
  deal_id: optional(uuid("deal_id", "A deal of the key's workspace (another workspace's is 404 deal_not_found, exactly like a missing one).")),
  entity_type: optional(identifier("entity_type", ENTITY_TYPE_ABOUT)),
  entity_id: optional(
    lowerCaseUuid("entity_id", "UUID of the polymorphic entity, any letter case; stored and returned lower case. Given together with entity_type."),
  ),
  entity_name: optional(text("entity_name", ENTITY_NAME_MAX_CODE_POINTS, "The entity's human-readable name, for timeline display.")),
  metadata: optional(MetadataSchema),
};

/** entity_type and entity_id come together; the missing one is named as `param`. */
export const entityPairCheck = <T extends { entity_type?: string | null; entity_id?: string | null }>() =>
  v.rawCheck<T>(({ dataset, addIssue }) => {
  if (!dataset.typed) return;
  const body = dataset.value;
  if ((body.entity_type == null) === (body.entity_id == null)) return;
  const missing = body.entity_type == null ? "entity_type" : "entity_id";
  addIssue({
    message: "entity_type and entity_id must be given together.",
    path: [{ type: "object", origin: "value", input: body, key: missing, value: body[missing] }],
  });
  });

export const CreateActivityBody = v.pipe(
  v.strictObject(activityFields, "The request body must be a JSON object."),
  entityPairCheck(),
  v.metadata({ dependentRequired: { entity_type: ["entity_id"], entity_id: ["entity_type"] } }),
);

export type CreateActivityInput = v.InferOutput<typeof CreateActivityBody>;

/** An activity's id: `act_` + UUID (in a path, a malformed one is 404 activity_not_found). */
export const ActivityId = resourceId({
  prefix: "act",
  notFound: "activity_not_found",
  noun: "activity",
  within: "in this workspace",
  description: "The activity's id, as returned on creation.",
  example: "act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d",
});

const nullableText = (about: string) => v.nullable(v.pipe(v.string(), v.description(about)));

/** The activity as the API returns it; omitted optional fields are null. */
export const ActivitySchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(ActivityId.issued), v.metadata({ description: "`act_` and a UUID.", examples: ["act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d"] })),
  type: v.pipe(v.string(), v.regex(IDENTIFIER), v.description(TYPE_ABOUT)),
  title: nullableText("Shown on the timeline."),
  description: nullableText("Markdown, as sent."),
  contact_id: v.nullable(v.pipe(v.string(), v.regex(UUID), v.metadata({ format: "uuid" }))),
  deal_id: v.nullable(v.pipe(v.string(), v.regex(UUID), v.metadata({ format: "uuid" }))),
  entity_type: nullableText(ENTITY_TYPE_ABOUT),
  entity_id: nullableText(
    "UUID of the polymorphic entity, lower case. Activities recorded before the API checked it may hold another id.",
  ),
  entity_name: nullableText("The entity's human-readable name."),
  metadata: v.pipe(
    v.nullable(v.record(v.string(), v.unknown())),
    v.description("Type-specific data, exactly as sent: the same keys in the same order, numbers as written."),
  ),
  created_by_user_id: v.pipe(
    v.string(),
    v.regex(UUID),
    v.metadata({ format: "uuid", description: "The user who owns the API key that recorded the activity." }),
  ),
  created_date: v.pipe(
    v.string(),
    v.regex(UTC_SECOND),
    v.metadata({ format: "date-time", description: "When it was recorded: UTC, ISO 8601, to the second.", examples: ["2026-04-17T14:23:05Z"] }),
  ),
});

export type Activity = v.InferOutput<typeof ActivitySchema>;

export const ActivityResponseSchema = v.strictObject({ data: v.strictObject({ activity: ActivitySchema }) });
export type ActivityResponse = v.InferOutput<typeof ActivityResponseSchema>;

const eventTimestamp = (about: string) => v.pipe(v.string(), v.metadata({ format: "date-time", description: `${about}: UTC, to the millisecond.` }));

/** The `activity.created` webhook's body (built by the database trigger that queues the event). */
export const ActivityCreatedEventSchema = v.strictObject({
  type: v.literal("activity.created"),
  timestamp: eventTimestamp("When the activity was recorded"),
  data: v.strictObject({ activity: ActivitySchema }),
});

/** The `activity.updated` webhook's body: the activity now, and the old values of what changed (Stripe's convention). */
export const ActivityUpdatedEventSchema = v.strictObject({
  type: v.literal("activity.updated"),
  timestamp: eventTimestamp("When the activity was changed"),
  data: v.strictObject({
    activity: ActivitySchema,
    previous_attributes: v.pipe(
      v.partial(v.omit(ActivitySchema, ["id", "created_by_user_id", "created_date"])),
      v.description("The old values of exactly the fields that changed (at least one), as the API showed them."),
    ),
  }),
});

/** The `activity.deleted` webhook's body: the activity as it was. */
export const ActivityDeletedEventSchema = v.strictObject({
  type: v.literal("activity.deleted"),
  timestamp: eventTimestamp("When the activity was deleted"),
  data: v.strictObject({ activity: ActivitySchema }),
});

/** The doc's example request (public doc of POST /v1/activities, DESIGN.md). */
export const CREATE_ACTIVITY_EXAMPLE = {
  type: "call",
  title: "Discovery call with Jane",
  description: "Discussed Q2 outsourcing plans; next step is proposal.",
  contact_id: "123e4567-e89b-12d3-a456-426614174000",
  deal_id: "3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a",
  metadata: { duration_minutes: 32, direction: "outbound" },
} satisfies CreateActivityInput;

/** The doc's example response to it. */
export const ACTIVITY_RESPONSE_EXAMPLE = {
  data: {
    activity: {
      id: "act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d",
      type: "call",
      title: "Discovery call with Jane",
      description: "Discussed Q2 outsourcing plans; next step is proposal.",
      contact_id: "123e4567-e89b-12d3-a456-426614174000",
      deal_id: "3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a",
      entity_type: null,
      entity_id: null,
      entity_name: null,
      metadata: { duration_minutes: 32, direction: "outbound" },
      created_by_user_id: "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d",
      created_date: "2026-04-17T14:23:05Z",
    },
  },
} satisfies ActivityResponse;
