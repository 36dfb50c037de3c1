// Parameter names and SQL types of the api.* functions, mirrored from the migrations. Wire-level
// transports (postgres.js, PGlite) need the types to call the functions with named arguments;
// PostgREST reads them from the catalog itself.

import { parseJsonKeeping } from "../json-text.ts";
import { jsonArgumentText, type SqlType, sqlLiteral } from "./sql-literal.ts";

export const RPC_SIGNATURES = {
  create_activity: {
    type: "text",
    title: "text",
    description: "text",
    contact_id: "uuid",
    deal_id: "uuid",
    entity_type: "text",
    entity_id: "text",
    entity_name: "text",
    metadata: "json",
  },
  get_activity: {
    id: "uuid",
  },
  list_activities: {
    contact_id: "uuid",
    deal_id: "uuid",
    entity_type: "text",
    entity_id: "text",
    types: "text[]",
    created_after: "timestamptz",
    created_before: "timestamptz",
    max_results: "integer",
    starting_after: "uuid",
    timeline_of: "text",
  },
  delete_activity: { id: "uuid" },
  update_activity: { id: "uuid", changes: "json" },
  create_activities: { activities: "json" },
  create_webhook_endpoint: { url: "text", events: "text[]", description: "text" },
  list_webhook_endpoints: { max_results: "integer", starting_after: "uuid" },
  get_webhook_endpoint: { id: "uuid" },
  update_webhook_endpoint: { id: "uuid", url: "text", events: "text[]", enabled: "boolean", description: "text" },
  delete_webhook_endpoint: { id: "uuid" },
  rotate_webhook_endpoint_secret: { id: "uuid" },
  list_webhook_deliveries: { endpoint_id: "uuid", max_results: "integer", starting_after: "uuid" },
  retry_webhook_delivery: { endpoint_id: "uuid", delivery_id: "uuid" },
} as const satisfies Record<string, Record<string, SqlType>>;

export type RpcName = keyof typeof RPC_SIGNATURES;

/**
 * Parameters whose SQL default is not null: when absent they are left out of the call, so the
 * function's own default applies (as PostgREST does). Every other parameter defaults to null.
 */
const NON_NULL_DEFAULTS: Partial<Record<RpcName, readonly string[]>> = {
  list_activities: ["max_results"],
  list_webhook_endpoints: ["max_results"],
  list_webhook_deliveries: ["max_results"],
};

interface CallArgument {
  name: string;
  type: SqlType;
  value: unknown;
  /** Written `name => value`: a parameter before it was left out. Otherwise positional. */
  named: boolean;
}

/**
 * The call's arguments in signature order: every parameter, null when absent (the same as its
 * default), except the NON_NULL_DEFAULTS, left out when absent. They are positional up to the
 * first one left out and named after it: PostgreSQL parses a positional call measurably faster
 * than one that names every argument (the literal message is parsed on every request), and a
 * function gets one or two call shapes whatever fields a client sends. An unknown name is a bug.
 */
function* callArguments(fn: RpcName, args: Record<string, unknown>): Generator<CallArgument> {
  const signature: Record<string, SqlType> = RPC_SIGNATURES[fn];
  for (const name of Object.keys(args)) {
    if (!(name in signature)) throw new Error(`api.${fn} has no parameter ${name}`);
  }
  const omittable = NON_NULL_DEFAULTS[fn] ?? [];
  let named = false;
  for (const [name, type] of Object.entries(signature)) {
    const value = args[name];
    if (value === undefined && omittable.includes(name)) {
      named = true;
      continue;
    }
    yield { name, type, value: value ?? null, named };
  }
}

const written = (argument: CallArgument, sql: string) => (argument.named ? `${argument.name} => ${sql}` : sql);

/**
 * `select api.fn($1::t, …)::text` and the values in order. json arguments travel as their text so
 * the database sees exactly the serialisation we measured; the result comes back as text, for
 * parseRpcResult (a driver's JSON.parse would reorder metadata's integer-like keys).
 */
export function buildRpcCall(fn: RpcName, args: Record<string, unknown>): { text: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const argument of callArguments(fn, args)) {
    const { type, value } = argument;
    const json = type === "json" || type === "jsonb";
    values.push(json && value !== null ? jsonArgumentText(value) : value);
    // Declared as text: a driver that learns a parameter is json would serialise the string again.
    parts.push(written(argument, `$${values.length}::${json ? `text::${type}` : type}`));
  }
  return { text: `select api.${fn}(${parts.join(", ")})::text as result`, values };
}

/** The same call with its arguments as literals, for a single simple-protocol message. */
export function inlineRpcCall(fn: RpcName, args: Record<string, unknown>): string {
  const parts = [...callArguments(fn, args)].map((argument) => written(argument, sqlLiteral(argument.value, argument.type)));
  return `select api.${fn}(${parts.join(", ")})::text as result`;
}

/** A function's result as the database wrote it: parsed, each activity's metadata kept as text. */
export function parseRpcResult(text: string | null): unknown {
  return text === null ? null : parseJsonKeeping(text);
}
