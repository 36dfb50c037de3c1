// valibot failures in the API's error shape: the first problem, the field it concerns as
// `param`, missing_required_field for an absent required field, the code a check was declared
// with (codedCheck: e.g. metadata_too_large) where it has one, and invalid_field for the rest.

import * as v from "valibot";
import { ApiError, type ErrorCode } from "../../_shared/errors.ts";

/** Error codes of coded checks, by the check's requirement (what a valibot issue points back to). */
const CODES = new WeakMap<object, ErrorCode>();

/** v.check whose failure answers `code` rather than invalid_field; the code stays with its rule. */
export function codedCheck<T>(code: ErrorCode, requirement: (input: T) => boolean, message: string) {
  CODES.set(requirement, code);
  return v.check<T, string>(requirement, message);
}

export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  throw issueToApiError(result.issues[0]);
}

function issueToApiError(issue: v.GenericIssue): ApiError {
  const param = issue.path ? paramPath(issue.path) : undefined;
  if (issue.type === "strict_object" && issue.expected === "never") {
    return new ApiError("invalid_field", `Unknown field "${param}".`, { param });
  }
  const absent = issue.received === "undefined" && (issue.type === "strict_object" || issue.type === "object");
  // null where an object's field must be given (type, or `type` of a batch's item).
  const nullRequired = issue.received === "null" && issue.kind === "schema" && issue.path?.at(-1)?.type === "object";
  if (absent || nullRequired) {
    return new ApiError("missing_required_field", `${param} is required.`, { param });
  }
  const code = typeof issue.requirement === "function" ? CODES.get(issue.requirement) : undefined;
  return new ApiError(code ?? "invalid_field", issue.message, { param });
}

/** A field's path as `param`: `activities[3].metadata` (object keys dotted, array indexes bracketed). */
function paramPath(path: NonNullable<v.GenericIssue["path"]>): string | undefined {
  let param = "";
  for (const item of path) {
    if (item.type === "array") param += `[${String(item.key)}]`;
    else param += param === "" ? String(item.key) : `.${String(item.key)}`;
  }
  return param || undefined;
}
