// Every route the API serves, taken from the app's own list of operations (routes/index.ts,
// the list createApp registers and the OpenAPI document describes): a route another change adds
// is fuzzed and tenant-checked without touching these tests.

import type * as v from "valibot";
import type { Operation } from "../../../functions/api-gateway/operation/declaration.ts";
import { createApi } from "../../../functions/api-gateway/routes/index.ts";

export type { Operation };

export const OPERATIONS: readonly Operation[] = createApi().operations;

/** `/v1/x/{id}` with each `{name}` replaced by `values[name]` (already encoded). */
export function fillPath(operation: Operation, values: Record<string, string>): string {
  return operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${operation.operationId}: no value for {${name}}`);
    return value;
  });
}

export function pathParamNames(operation: Operation): string[] {
  return [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

/** The names an object schema (possibly wrapped in pipes/optionals) declares; [] for other schemas. */
export function declaredNames(schema: v.GenericSchema | undefined): string[] {
  let inner: any = schema;
  for (let i = 0; inner && i < 10; i++) {
    if (inner.entries) return Object.keys(inner.entries);
    inner = inner.wrapped ?? inner.pipe?.[0];
  }
  return [];
}

/** An operation's readable name in a failure message. */
export const describeOperation = (operation: Operation) => `${operation.method.toUpperCase()} ${operation.path} (${operation.operationId})`;
