// Parameter names and SQL types of the api.* functions, mirrored from the migrations. Wire-level
// transports (postgres.js, PGlite) need the types to call the functions with named arguments;
// PostgREST reads them from the catalog itself.

import { type SqlType, sqlLiteral } from "./sql-literal.ts";

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
  list_webhook_endpoints: ["max_results"],
  list_webhook_deliveries: ["max_results"],
};

/**
 * The call's arguments with their SQL types, in signature order: every parameter, null when
 * absent, except the NON_NULL_DEFAULTS left out when absent. So a function has one or two call
 * shapes rather than one per combination of fields a client sends, which bounds the prepared
 * statements a connection keeps. An unknown name is a bug.
 */
function* callArguments(fn: RpcName, args: Record<string, unknown>): Generator<{ name: string; type: SqlType; value: unknown }> {
  const signature: Record<string, SqlType> = RPC_SIGNATURES[fn];
  for (const name of Object.keys(args)) {
    if (!(name in signature)) throw new Error(`api.${fn} has no parameter ${name}`);
  }
  const omittable = NON_NULL_DEFAULTS[fn] ?? [];
  for (const [name, type] of Object.entries(signature)) {
    const value = args[name];
    if (value === undefined && omittable.includes(name)) continue;
    yield { name, type, value: value ?? null };
  }
}

/**
 * `select api.fn(a => $1::t, …)` and the values in order. json arguments travel as their text
 * so the database sees exactly the serialisation we measured.
 */
export function buildRpcCall(fn: RpcName, args: Record<string, unknown>): { text: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const { name, type, value } of callArguments(fn, args)) {
    const json = type === "json" || type === "jsonb";
    values.push(json && value !== null ? JSON.stringify(value) : value);
    // Declared as text: a driver that learns a parameter is json would serialise the string again.
    parts.push(`${name} => $${values.length}::${json ? `text::${type}` : type}`);
  }
  return { text: `select api.${fn}(${parts.join(", ")}) as result`, values };
}

/** The same call with its arguments as literals, for a single simple-protocol message. */
export function inlineRpcCall(fn: RpcName, args: Record<string, unknown>): string {
  const parts = [...callArguments(fn, args)].map(({ name, type, value }) => `${name} => ${sqlLiteral(value, type)}`);
  return `select api.${fn}(${parts.join(", ")}) as result`;
}
