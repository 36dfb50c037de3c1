// valibot failures in the API's error shape: the first problem, the field it concerns as
// `param`, missing_required_field for an absent required field, a route-specific code where
// the route maps a check to one (metadata_too_large), and invalid_field for everything else.

import * as v from "valibot";
import { ApiError, type ErrorCode } from "../_shared/errors.ts";

/** Error codes for specific checks, keyed by the check's requirement function. */
export type CheckCodes = ReadonlyMap<unknown, ErrorCode>;

export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown, codes: CheckCodes = new Map()): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  throw issueToApiError(result.issues[0], codes);
}

function issueToApiError(issue: v.GenericIssue, codes: CheckCodes): ApiError {
  const param = issue.path?.map((item) => String(item.key)).join(".") || undefined;
  if (issue.type === "strict_object" && issue.expected === "never") {
    return new ApiError("invalid_field", `Unknown field "${param}".`, { param });
  }
  const absent = issue.received === "undefined" && (issue.type === "strict_object" || issue.type === "object");
  const nullRequired = issue.received === "null" && issue.kind === "schema" && issue.path?.length === 1;
  if (absent || nullRequired) {
    return new ApiError("missing_required_field", `${param} is required.`, { param });
  }
  const code = codes.get(issue.requirement);
  return new ApiError(code ?? "invalid_field", issue.message, { param });
}
