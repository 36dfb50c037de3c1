// One declaration per API operation — method, path, scope, schemas, success response, error codes —
// that both registers the Hono handler (with the middleware its declaration implies, in the order
// the design fixes: body limit → key syntax → rate limit → handler) and feeds the API document.
// The error codes an operation can return are its own table plus those of the middleware this
// file adds, so the document lists exactly what the server can answer.

import type { Handler, Hono } from "hono";
import type * as v from "valibot";
import type { ErrorCode, ErrorStatus } from "../_shared/errors.ts";
import type { AppEnv } from "./context.ts";
import { requireApiKey } from "./middleware/api-key.ts";
import { bodyLimit } from "./middleware/body-limit.ts";
import { methodNotAllowed } from "./middleware/method-not-allowed.ts";
import { rateLimit } from "./middleware/rate-limit.ts";

export const API_SCOPES = ["activities:write", "activities:read", "webhooks:write", "webhooks:read"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export type HttpMethod = "get" | "post" | "patch" | "delete";

export type ErrorTable = Partial<Record<ErrorStatus, ErrorCode[]>>;

export interface Operation {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/activities/{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  /** The API key scope the operation needs; null for the public routes (no key, no rate limit). */
  scope: ApiScope | null;
  /** Path parameters by name: the schema the handler's id check follows, with a description. */
  pathParams?: Record<string, v.GenericSchema>;
  /** Query parameters: a valibot object whose entries are the parameters. */
  query?: v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;
  /** The JSON request body the handler parses, with an example. */
  body?: { schema: v.GenericSchema; example?: unknown };
  success: {
    status: 200 | 201 | 202;
    description: string;
    /** application/json (the default) or the HTML of the reference page. */
    mediaType?: "application/json" | "text/html";
    schema: v.GenericSchema;
    example?: unknown;
    /** A 201's Location header. */
    location?: boolean;
  };
  /** Error codes of the handler and its database call (the middleware's are added). */
  errors: ErrorTable;
  handler: Handler<AppEnv>;
}

/** What the middleware registerOperations adds can answer, and what every request can. */
const KEYED_ERRORS: ErrorTable = {
  401: ["invalid_key"],
  403: ["insufficient_permissions"],
  429: ["rate_limited"],
  // The database, or with RATE_LIMIT_FAIL_CLOSED the rate limiter, is unavailable.
  503: ["service_unavailable"],
};
const BODY_ERRORS: ErrorTable = {
  400: ["invalid_json", "invalid_field"],
  413: ["payload_too_large"],
  415: ["unsupported_media_type"],
};
const QUERY_ERRORS: ErrorTable = { 400: ["invalid_field"] };
const ANY_ERRORS: ErrorTable = { 500: ["internal_error"] };

/** Every error an operation can answer, by status, in ascending status order. */
export function operationErrors(operation: Operation): Array<[ErrorStatus, ErrorCode[]]> {
  const tables = [
    operation.body ? BODY_ERRORS : {},
    operation.query ? QUERY_ERRORS : {},
    operation.scope ? KEYED_ERRORS : {},
    operation.errors,
    ANY_ERRORS,
  ];
  const merged = new Map<ErrorStatus, Set<ErrorCode>>();
  for (const table of tables) {
    for (const [status, codes] of Object.entries(table) as Array<[string, ErrorCode[]]>) {
      const key = Number(status) as ErrorStatus;
      const set = merged.get(key) ?? new Set();
      for (const code of codes) set.add(code);
      merged.set(key, set);
    }
  }
  return [...merged].sort(([a], [b]) => a - b).map(([status, codes]) => [status, [...codes]]);
}

/** `/v1/activities/{id}` → `/v1/activities/:id` */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

/**
 * Registers each operation with its middleware, then, per path, a 405 (with Allow) for every
 * other method. Paths keep the order of first appearance; Allow lists the methods in the order
 * they are declared.
 */
export function registerOperations(app: Hono<AppEnv>, operations: readonly Operation[]): void {
  const methodsByPath = new Map<string, string[]>();
  for (const operation of operations) {
    const path = honoPath(operation.path);
    const middleware = [
      ...(operation.body ? [bodyLimit()] : []),
      ...(operation.scope ? [requireApiKey(), rateLimit()] : []),
    ];
    app.on(operation.method.toUpperCase(), [path], ...middleware, operation.handler);
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), operation.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) app.all(path, methodNotAllowed(methods));
}
