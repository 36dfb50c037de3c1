// Database failures → API errors, the same on every transport. PTnnn errors raised by the api.*
// functions carry the API error code as their message (PostgREST's own convention puts the
// status in the SQLSTATE); everything else is classified by SQLSTATE class like PostgREST does,
// except that faults worth retrying become 503 with Retry-After instead of 500.

import { ApiError, ERROR_STATUS, isErrorCode } from "../errors.ts";
import { DatabaseError, DatabaseUnavailableError } from "./database.ts";

const RETRY_AFTER_SECONDS = 1;

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DatabaseUnavailableError) return unavailable(error);
  if (!(error instanceof DatabaseError)) {
    return new ApiError("internal_error", "An internal error occurred.", { cause: error });
  }
  const { sqlState } = error;

  const ptStatus = /^PT(\d{3})$/.exec(sqlState)?.[1];
  if (ptStatus !== undefined && isErrorCode(error.message) && ERROR_STATUS[error.message] === Number(ptStatus)) {
    return new ApiError(error.message, error.detail ?? defaultMessage(error.message), {
      param: error.hint || undefined,
      ...(error.message === "service_unavailable" || error.message === "idempotency_key_in_progress" ? { retryAfter: RETRY_AFTER_SECONDS } : {}),
      // RFC 6750: a refused bearer token names the scheme, whoever refused it.
      ...(error.message === "invalid_key" ? { headers: { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' } } : {}),
    });
  }
  // The composite foreign keys: the contact or deal is not in the key's workspace.
  if (sqlState === "23503" && /activities_contact_fkey/.test(error.message + (error.detail ?? ""))) {
    return new ApiError("contact_not_found", "The contact does not exist in this workspace.", { param: "contact_id" });
  }
  if (sqlState === "23503" && /activities_deal_fkey/.test(error.message + (error.detail ?? ""))) {
    return new ApiError("deal_not_found", "The deal does not exist in this workspace.", { param: "deal_id" });
  }
  if (sqlState === "42501") {
    return new ApiError("insufficient_permissions", "This API key may not perform this operation.");
  }
  // Data exceptions and check violations: input the database refused (22xxx, 23514).
  if (sqlState.startsWith("22") || sqlState === "23514") {
    return new ApiError("invalid_field", "A field has a value the database cannot store.", { cause: error });
  }
  // Connection trouble, resource exhaustion, shutdown, cancellation (statement timeout),
  // serialization failure and deadlock: transient, safe to retry since nothing was committed.
  if (/^(08|53|57|58)/.test(sqlState) || sqlState === "40001" || sqlState === "40P01") {
    return unavailable(error);
  }
  return new ApiError("internal_error", "An internal error occurred.", { cause: error });
}

function unavailable(cause: unknown): ApiError {
  return new ApiError("service_unavailable", "The database is unavailable. Retry shortly.", {
    retryAfter: RETRY_AFTER_SECONDS,
    cause,
  });
}

function defaultMessage(code: string): string {
  return code.replaceAll("_", " ");
}
