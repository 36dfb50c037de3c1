// What a client sees when the database refuses or fails: the mapping from SQLSTATE (and the
// api.* functions' PTnnn convention) to the API's one error shape, the same on every transport.

import { describe, expect, test } from "vitest";
import { toApiError } from "../../functions/_shared/db/api-errors.ts";
import { DatabaseError, DatabaseUnavailableError } from "../../functions/_shared/db/database.ts";
import { ApiError, errorBody, isErrorCode } from "../../functions/_shared/errors.ts";

const dbError = (sqlState: string, message: string, fields: { detail?: string; hint?: string } = {}) => new DatabaseError({ sqlState, message, ...fields });
/** What the client is told, and the headers it gets. */
const seen = (error: ApiError) => ({
  status: error.status,
  code: error.code,
  message: error.message,
  param: error.param,
  retryAfter: error.retryAfter,
  headers: error.headers,
});

describe("PTnnn raised by the api.* functions: the message is the API code, the detail its message, the hint its param", () => {
  test("a code whose status matches the SQLSTATE is passed through", () => {
    expect(seen(toApiError(dbError("PT400", "invalid_field", { detail: "title must be at most 500 characters.", hint: "title" })))).toEqual({
      status: 400,
      code: "invalid_field",
      message: "title must be at most 500 characters.",
      param: "title",
      retryAfter: undefined,
      headers: undefined,
    });
  });

  test("without a detail the message is the code in words; an empty hint is no param", () => {
    expect(seen(toApiError(dbError("PT404", "activity_not_found", { hint: "" })))).toMatchObject({
      status: 404,
      code: "activity_not_found",
      message: "activity not found",
      param: undefined,
    });
  });

  test("invalid_key names the bearer scheme (RFC 6750), whoever refused it", () => {
    expect(toApiError(dbError("PT401", "invalid_key")).headers).toEqual({ "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' });
    expect(toApiError(dbError("PT403", "insufficient_permissions")).headers).toBeUndefined();
  });

  test("service_unavailable from the database says when to retry", () => {
    expect(seen(toApiError(dbError("PT503", "service_unavailable")))).toMatchObject({ status: 503, retryAfter: 1 });
    expect(toApiError(dbError("PT409", "webhook_endpoint_limit_reached")).retryAfter).toBeUndefined();
  });

  test.each([
    ["a code under the wrong status", "PT404", "invalid_field"],
    ["an unknown code", "PT400", "no_such_code"],
    ["a PT state that is not three digits", "PT4000", "invalid_field"],
    ["a P0001 raise", "P0001", "invalid_field"],
  ])("%s is an internal error, never passed through", (_, sqlState, message) => {
    const error = toApiError(dbError(sqlState, message));
    expect(seen(error)).toMatchObject({ status: 500, code: "internal_error", message: "An internal error occurred." });
  });
});

describe("other SQLSTATEs, classified as PostgREST does", () => {
  test.each([
    ["activities_contact_fkey in the message", dbError("23503", 'insert or update on table "activities" violates foreign key constraint "activities_contact_fkey"'), "contact_not_found", "contact_id", 404],
    ["activities_contact_fkey in the detail", dbError("23503", "foreign key violation", { detail: "activities_contact_fkey" }), "contact_not_found", "contact_id", 404],
    ["activities_deal_fkey", dbError("23503", 'violates foreign key constraint "activities_deal_fkey"'), "deal_not_found", "deal_id", 404],
    ["activities_deal_fkey in the detail", dbError("23503", "foreign key violation", { detail: "activities_deal_fkey" }), "deal_not_found", "deal_id", 404],
    ["another foreign key", dbError("23503", 'violates foreign key constraint "webhook_deliveries_endpoint_fkey"'), "internal_error", undefined, 500],
    ["a privilege missing", dbError("42501", "permission denied for table activities"), "insufficient_permissions", undefined, 403],
    ["a data exception", dbError("22P05", "unsupported Unicode escape sequence"), "invalid_field", undefined, 400],
    ["a check violation", dbError("23514", 'violates check constraint "activities_type_check"'), "invalid_field", undefined, 400],
    ["a check violation naming the contact foreign key", dbError("23514", 'violates check constraint "activities_contact_fkey_shape"'), "invalid_field", undefined, 400],
    ["a check violation naming the deal foreign key", dbError("23514", 'violates check constraint "activities_deal_fkey_shape"'), "invalid_field", undefined, 400],
    ["a unique violation", dbError("23505", "duplicate key"), "internal_error", undefined, 500],
    ["a syntax error (a bug)", dbError("42601", "syntax error"), "internal_error", undefined, 500],
  ])("%s → %s", (_, error, code, param, status) => {
    expect(seen(toApiError(error))).toMatchObject({ code, param, status, retryAfter: undefined });
  });

  test("refusals say what happened in the API's words, not the database's", () => {
    expect(toApiError(dbError("23503", "activities_contact_fkey")).message).toBe("The contact does not exist in this workspace.");
    expect(toApiError(dbError("23503", "activities_deal_fkey")).message).toBe("The deal does not exist in this workspace.");
    expect(toApiError(dbError("42501", "permission denied")).message).toBe("This API key may not perform this operation.");
    expect(toApiError(dbError("22001", "value too long")).message).toBe("A field has a value the database cannot store.");
  });

  test("the cause of a refused value is kept for the log", () => {
    const cause = dbError("22P05", "unsupported Unicode escape sequence");
    expect(toApiError(cause).cause).toBe(cause);
  });

  test.each(["08006", "08001", "53300", "57014", "57P01", "58030", "40001", "40P01"])("%s (transient) is 503 with Retry-After: 1", (sqlState) => {
    expect(seen(toApiError(dbError(sqlState, "transient")))).toMatchObject({
      status: 503,
      code: "service_unavailable",
      message: "The database is unavailable. Retry shortly.",
      retryAfter: 1,
    });
  });

  test.each(["40002", "42P01", "42P08", "XX000", "P0002"])("%s is 500, its cause kept for the log", (sqlState) => {
    const cause = dbError(sqlState, "boom");
    const error = toApiError(cause);
    expect(seen(error)).toMatchObject({ status: 500, code: "internal_error" });
    expect(error.cause).toBe(cause);
  });
});

describe("failures that are not the database's answer", () => {
  test("the database unreachable: 503, retry in a second, the cause kept", () => {
    const cause = new DatabaseUnavailableError("connect ECONNREFUSED");
    const error = toApiError(cause);
    expect(seen(error)).toMatchObject({ status: 503, code: "service_unavailable", retryAfter: 1 });
    expect(error.cause).toBe(cause);
  });

  test("anything else is a bug: 500 without details", () => {
    const cause = new TypeError("x is undefined");
    const error = toApiError(cause);
    expect(seen(error)).toMatchObject({ status: 500, code: "internal_error", message: "An internal error occurred." });
    expect(error.cause).toBe(cause);
  });

  test("an ApiError passes unchanged", () => {
    const original = new ApiError("rate_limited", "slow down", { retryAfter: 3 });
    expect(toApiError(original)).toBe(original);
  });
});

describe("the error shape", () => {
  test("code, message, param when there is one, request id; nothing else", () => {
    expect(errorBody(new ApiError("invalid_field", "bad", { param: "title", cause: new Error("secret") }), "req_1")).toEqual({
      error: { code: "invalid_field", message: "bad", param: "title", request_id: "req_1" },
    });
    expect(JSON.stringify(errorBody(new ApiError("internal_error", "oops"), "req_2"))).toBe('{"error":{"code":"internal_error","message":"oops","request_id":"req_2"}}');
  });

  test("each code carries its status; only listed codes are codes", () => {
    const error = new ApiError("method_not_allowed", "no", { headers: { Allow: "GET" }, retryAfter: 2 });
    expect([error.status, error.name, error.headers, error.retryAfter]).toEqual([405, "ApiError", { Allow: "GET" }, 2]);
    expect(isErrorCode("payload_too_large")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode(413)).toBe(false);
  });
});
