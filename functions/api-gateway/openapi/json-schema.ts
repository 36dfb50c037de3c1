// valibot → JSON Schema (2020-12, the dialect of OpenAPI 3.1) for the API document, from the very
// schemas that validate requests. Named schemas become `#/components/schemas/<name>` references.
// Where a runtime check has no JSON Schema equivalent (v.check, v.rawCheck, v.custom: code-point
// length, well-formed Unicode, metadata bytes) the check stays as it is, and the same pipe must
// state its rule with v.metadata({...keywords}) or v.description(...) after it; a check left
// unstated fails the conversion, so the document cannot silently say less than the server checks.

import { type ConversionConfig, type JsonSchema, toJsonSchema, toJsonSchemaDefs } from "@valibot/to-json-schema";
import type * as v from "valibot";

const UNSTATED = Symbol("runtime check not stated in the document");

type Marked = JsonSchema & { [UNSTATED]?: true };

export type NamedSchemas = Record<string, v.GenericSchema>;

const CONFIG: ConversionConfig = {
  target: "draft-2020-12",
  // Conversion stops before a transformation: requests are documented as they are sent.
  typeMode: "input",
  errorMode: "throw",
  overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
  overrideAction({ valibotAction, jsonSchema }) {
    const schema = jsonSchema as Marked;
    switch (valibotAction.type) {
      case "check":
      case "raw_check":
        return { ...schema, [UNSTATED]: true } as JsonSchema;
      case "metadata":
      case "description":
        delete schema[UNSTATED];
        return undefined;
      default:
        return undefined;
    }
  },
  overrideSchema({ valibotSchema, jsonSchema }) {
    if (valibotSchema.type === "custom") return { ...jsonSchema, [UNSTATED]: true } as JsonSchema;
    if (valibotSchema.type === "nullable") return nullableAsTypeList(jsonSchema);
    return undefined;
  },
};

/**
 * `{"anyOf":[{"type":"string",…},{"type":"null"}]}` → `{"type":["string","null"],…}` where the
 * inner schema is a plain typed one: what OpenAPI 3.1 tools render best, with the field's
 * description and limits on the field itself.
 */
function nullableAsTypeList(schema: JsonSchema): JsonSchema | undefined {
  const [inner, rest] = schema.anyOf ?? [];
  if (typeof inner !== "object" || typeof inner.type !== "string" || (rest as JsonSchema | undefined)?.type !== "null") return undefined;
  if (inner.$ref !== undefined || inner.anyOf || inner.oneOf || inner.allOf || "const" in inner) return undefined;
  const merged: JsonSchema = { ...inner, type: [inner.type, "null"] };
  if (inner.enum) merged.enum = [...inner.enum, null];
  if ("default" in schema) merged.default = schema.default;
  return merged;
}

function finish(schema: JsonSchema, where: string): JsonSchema {
  delete schema.$schema;
  delete schema.$defs;
  const unstated = findUnstated(schema);
  if (unstated !== undefined) {
    throw new Error(
      `${where}${unstated}: a runtime check (v.check, v.rawCheck or v.custom) has no JSON Schema equivalent and its pipe does ` +
        "not state the rule; add v.metadata({...JSON Schema keywords}) or v.description(...) after it.",
    );
  }
  return schema;
}

function findUnstated(value: unknown, path = ""): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if ((value as Marked)[UNSTATED]) return path || "/";
  for (const [key, item] of Object.entries(value)) {
    const found = findUnstated(item, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface SchemaConverter {
  /** The JSON Schema of `schema`; `where` names it in errors. */
  convert(schema: v.GenericSchema, where: string): JsonSchema;
  /** The named schemas, for `components.schemas`. */
  components(): Record<string, JsonSchema>;
}

export function createSchemaConverter(named: NamedSchemas): SchemaConverter {
  return {
    convert: (schema, where) => finish(toJsonSchema(schema, { ...CONFIG, definitions: named }), where),
    components() {
      const converted = toJsonSchemaDefs(named, CONFIG);
      return Object.fromEntries(Object.entries(converted).map(([name, schema]) => [name, finish(schema, `#/components/schemas/${name}`)]));
    },
  };
}
