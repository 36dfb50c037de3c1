// The activity's request and response schemas (valibot): the single definition that validates
// requests, types the handlers and tests, and describes the API. Field rules follow the public
// doc; limits it leaves open are set here and documented in the README.

import * as v from "valibot";

export const TITLE_MAX_CODE_POINTS = 500;
export const DESCRIPTION_MAX_CODE_POINTS = 65_536;
export const ENTITY_NAME_MAX_CODE_POINTS = 500;
export const ENTITY_ID_MAX_CODE_POINTS = 255;
export const METADATA_MAX_BYTES = 8192;
export const METADATA_MAX_DEPTH = 16;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

const text = (field: string, max: number) =>
  v.pipe(
    v.string(`${field} must be a string.`),
    storable(field),
    v.check((value) => codePointLength(value) <= max, `${field} must be at most ${max} characters.`),
  );

const identifier = (field: string) =>
  v.pipe(
    v.string(`${field} must be a string.`),
    v.regex(IDENTIFIER, `${field} must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.`),
  );

const uuid = (field: string) =>
  v.pipe(v.string(`${field} must be a UUID string.`), v.regex(UUID, `${field} must be a UUID.`));

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

/** Bytes of the compact UTF-8 JSON serialisation — the size the doc's 8 KB limit is about. */
export function metadataBytes(metadata: unknown): number {
  return new TextEncoder().encode(JSON.stringify(metadata)).byteLength;
}

export const fitsMetadataLimit = (metadata: Record<string, unknown>) => metadataBytes(metadata) <= METADATA_MAX_BYTES;

const metadata = v.pipe(
  v.custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    "metadata must be a JSON object.",
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = metadataProblem(dataset.value);
    if (problem) addIssue({ message: problem });
  }),
  v.check(fitsMetadataLimit, `metadata must be at most ${METADATA_MAX_BYTES} bytes when serialised as JSON.`),
);

// entity_type and entity_id go together; the handler checks that, to name the missing one.
export const CreateActivityBody = v.strictObject(
  {
    type: v.pipe(
      v.string("type is required and must be a string."),
      v.nonEmpty("type must not be empty."),
      v.regex(IDENTIFIER, 'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.'),
    ),
    title: optional(text("title", TITLE_MAX_CODE_POINTS)),
    description: optional(text("description", DESCRIPTION_MAX_CODE_POINTS)),
    contact_id: optional(uuid("contact_id")),
    deal_id: optional(uuid("deal_id")),
    entity_type: optional(identifier("entity_type")),
    entity_id: optional(text("entity_id", ENTITY_ID_MAX_CODE_POINTS)),
    entity_name: optional(text("entity_name", ENTITY_NAME_MAX_CODE_POINTS)),
    metadata: optional(metadata),
  },
  "The request body must be a JSON object.",
);

export type CreateActivityInput = v.InferOutput<typeof CreateActivityBody>;

export interface Activity {
  id: string;
  type: string;
  title: string | null;
  description: string | null;
  contact_id: string | null;
  deal_id: string | null;
  entity_type: string | null;
  entity_id: string | null;
  entity_name: string | null;
  metadata: Record<string, unknown> | null;
  created_by_user_id: string;
  created_date: string;
}

export interface ActivityResponse {
  data: { activity: Activity };
}

export const ACTIVITY_ID = /^act_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
