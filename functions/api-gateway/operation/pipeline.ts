// The request pipeline every operation runs through, in the order the design fixes:
//
//   body limit (413)           middleware/body-limit.ts   when the operation has a body
//   key syntax (401)           middleware/api-key.ts      when it has a scope
//   refused keys (429)         middleware/refused-keys.ts when it has a scope (per client address)
//   rate limit (429)           middleware/rate-limit.ts   when it has a scope (per key)
//   read and parse (404/4xx)   operation/input.ts         path params → query → headers → JSON body
//   handler                    routes/<resource>/<operation>.ts: input → one database call → reply
//   database errors, workspace operation/database-call.ts (callRpc)
//   reply                      here: the declared status, Location under the request's prefix,
//                              Idempotent-Replayed when the database replayed a stored result
//
// and, per path, a 405 with Allow for every method not declared. What each stage can answer is
// listed here too (operationErrors), so the document states exactly what the server can send.

import type { Context, Handler, Hono, MiddlewareHandler } from "hono";
import type { ErrorCode, ErrorStatus } from "../../_shared/errors.ts";
import { stringifyJson } from "../../_shared/json-text.ts";
import type { AppEnv } from "../context.ts";
import { requireApiKey } from "../middleware/api-key.ts";
import { bodyLimit } from "../middleware/body-limit.ts";
import { methodNotAllowed } from "../middleware/method-not-allowed.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import { refusedKeys } from "../middleware/refused-keys.ts";
import { publicPrefix } from "../public-path.ts";
import type { ErrorTable, Operation, Reply } from "./declaration.ts";
import { IDEMPOTENCY_ERRORS, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, isIdempotent } from "./idempotency.ts";
import { readInput } from "./input.ts";

/**
 * Registers each operation behind its stages and, per path, a 405 (with Allow) for every other
 * method. Paths without parameters come first, each with its 405, as OpenAPI matches a concrete
 * path before a templated one: `GET /v1/activities/batch` is the batch path's 405, not an
 * activity id. Paths otherwise keep the order of first appearance; Allow lists the methods in
 * the order they are declared.
 */
export function registerOperations(app: Hono<AppEnv>, operations: readonly Operation[]): void {
  const byPath = new Map<string, Operation[]>();
  for (const operation of operations) byPath.set(operation.path, [...(byPath.get(operation.path) ?? []), operation]);
  const templated = (path: string) => path.includes("{");
  const paths = [...byPath.keys()].sort((a, b) => Number(templated(a)) - Number(templated(b)));
  for (const declared of paths) {
    const path = honoPath(declared);
    const pathOperations = byPath.get(declared)!;
    for (const operation of pathOperations) {
      const stages: MiddlewareHandler<AppEnv>[] = [
        ...(operation.body ? [bodyLimit(operation.body.limitBytes)] : []),
        ...(operation.scope ? [requireApiKey(), refusedKeys(), rateLimit()] : []),
      ];
      app.on(operation.method.toUpperCase(), [path], ...stages, runOperation(operation));
    }
    app.all(path, methodNotAllowed(pathOperations.map((operation) => operation.method.toUpperCase())));
  }
}

function runOperation(operation: Operation): Handler<AppEnv> {
  return async function operationHandler(c) {
    const input = readInput(operation, c);
    // The operation's one database call (callRpc) takes the key to SQL; no handler passes it.
    const idempotencyKey = isIdempotent(operation) ? (input.headers as Record<string, string | undefined>)[IDEMPOTENCY_KEY_HEADER] : undefined;
    if (idempotencyKey !== undefined) c.set("idempotencyKey", idempotencyKey);
    const reply = await operation.handler(input, c);
    return reply instanceof Response ? reply : send(c, operation, reply);
  };
}

function send(c: Context<AppEnv>, operation: Operation, reply: Reply<unknown>): Response {
  const { status, location } = operation.success;
  const headers: Record<string, string> = { ...reply.headers };
  if (location) {
    if (reply.location === undefined) throw new Error(`${operation.operationId} declares a Location but its reply has none`);
    headers.Location = `${publicPrefix(c.req.raw)}${reply.location}`;
  }
  if (c.get("idempotentReplayed")) headers[IDEMPOTENT_REPLAYED_HEADER] = "true";
  if (status === 204) return c.body(null, 204, headers);
  // Not c.json: stringifyJson writes a kept metadata text verbatim (json-text.ts).
  return c.body(stringifyJson(reply.body), status, { "Content-Type": "application/json", ...headers });
}

/** `/v1/activities/{id}` → `/v1/activities/:id` */
function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

/** What the stages before the handler can answer, and what every request can. */
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
const PARAMETER_ERRORS: ErrorTable = { 400: ["invalid_field"] };
const ANY_ERRORS: ErrorTable = { 500: ["internal_error"] };

/** Every error an operation can answer, by status, in ascending status order. */
export function operationErrors(operation: Operation): Array<[ErrorStatus, ErrorCode[]]> {
  const tables = [
    operation.body ? BODY_ERRORS : {},
    operation.query || operation.headers ? PARAMETER_ERRORS : {},
    operation.scope ? KEYED_ERRORS : {},
    isIdempotent(operation) ? IDEMPOTENCY_ERRORS : {},
    ...Object.values(operation.params ?? {}).map((param): ErrorTable => ({ 404: [param.notFound.code] })),
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
