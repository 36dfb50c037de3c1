// The pipeline's "parse" stage: the request as the operation declares it, or the first problem
// in the API's error shape. Path parameters first (a malformed id is the resource's 404), then
// the query, the headers, and last the body (read as JSON, then validated), so a request for
// an unknown resource is a 404 whatever its body.

import type { Context } from "hono";
import * as v from "valibot";
import { ApiError } from "../../_shared/errors.ts";
import type { AppEnv } from "../context.ts";
import type { Operation, OperationInput, ParameterSchema, PathParam } from "./declaration.ts";
import { readJsonObject } from "./json-body.ts";
import { parseInput } from "./validation.ts";

type AnyInput = OperationInput<Record<string, PathParam>, ParameterSchema, ParameterSchema, v.GenericSchema>;

/** The handler's input, parsed by the very schemas that type it (the declaration's). */
export function readInput(operation: Operation, c: Context<AppEnv>): AnyInput {
  const params: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(operation.params ?? {})) {
    const value = c.req.param(name) ?? "";
    const parsed = v.safeParse(param.schema, value, { abortEarly: true });
    if (!parsed.success) throw new ApiError(param.notFound.code, param.notFound.message(value), { param: name });
    params[name] = parsed.output;
  }
  const query = operation.query ? parseInput(operation.query, queryValues(c, operation.query)) : undefined;
  const headers = operation.headers ? parseInput(operation.headers, headerValues(c, operation.headers)) : undefined;
  const body = operation.body ? parseInput(operation.body.schema, readJsonObject(c)) : undefined;
  // Absent parts are undefined: an operation that declares none has them typed so.
  return { params, query, headers, body } as AnyInput;
}

/** Each parameter's first value, or all of them where its schema is an array (`type=a&type=b`). */
function queryValues(c: Context<AppEnv>, schema: ParameterSchema): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = c.req.query();
  for (const [name, entry] of Object.entries(schema.entries)) {
    if (isArraySchema(entry)) {
      const all = c.req.queries(name);
      if (all === undefined) delete values[name];
      else values[name] = all;
    }
  }
  return values;
}

/** The declared headers under their declared names (HTTP header names ignore case). */
function headerValues(c: Context<AppEnv>, schema: ParameterSchema): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of Object.keys(schema.entries)) {
    const value = c.req.header(name);
    if (value !== undefined) values[name] = value;
  }
  return values;
}

function isArraySchema(schema: v.GenericSchema): boolean {
  let inner: v.GenericSchema = schema;
  while ("wrapped" in inner) inner = inner.wrapped as v.GenericSchema;
  return inner.type === "array";
}
