// The response checker the contract and webhook suites run every response through: it passes
// what the document says and fails what it does not — an undocumented status, an undocumented or
// missing field, a missing required header, a header of the wrong shape, a wrong Allow, an
// unlisted path answered with anything but 404 not_found.

import { describe, expect, test } from "vitest";
import { apiDocument } from "../../functions/api-gateway/routes/index.ts";
import { createResponseChecker, UndocumentedResponseError } from "../support/openapi-responses.ts";

const checker = createResponseChecker(apiDocument());

const REQUEST_ID = "req_0123456789abcdef0123456789abcdef";
const ACTIVITY = {
  id: "act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d",
  type: "call",
  title: "Discovery call with Jane",
  description: null,
  contact_id: null,
  deal_id: null,
  entity_type: null,
  entity_id: null,
  entity_name: null,
  metadata: { duration_minutes: 32 },
  created_by_user_id: "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d",
  created_date: "2026-04-17T14:23:05Z",
};
const RATE_LIMIT = { "RateLimit-Limit": "100", "RateLimit-Remaining": "99", "RateLimit-Reset": "10", "RateLimit-Policy": "100;w=10" };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "X-Request-Id": REQUEST_ID, ...headers } });
}
const created = (activity: unknown = ACTIVITY, headers: Record<string, string> = {}) =>
  json(201, { data: { activity } }, { Location: `/v1/activities/${ACTIVITY.id}`, ...RATE_LIMIT, ...headers });
const error = (code: string, extra: Record<string, unknown> = {}) => ({ error: { code, message: "m", request_id: REQUEST_ID, ...extra } });

describe("documented responses pass", () => {
  test.each([
    ["a 201 with the activity, Location and rate-limit headers", "POST", "/functions/v1/api-gateway/v1/activities", () => created()],
    ["a 404 contact_not_found with param", "POST", "/v1/activities", () => json(404, error("contact_not_found", { param: "contact_id" }), RATE_LIMIT)],
    ["a 401 without rate-limit headers (refused before the limiter)", "GET", "/v1/activities/x", () => json(401, error("invalid_key"), { "WWW-Authenticate": 'Bearer realm="api"' })],
    ["a 429 with Retry-After", "POST", "/v1/activities", () => json(429, error("rate_limited"), { ...RATE_LIMIT, "Retry-After": "3" })],
    ["an unlisted path's 404 not_found", "GET", "/v1/nope", () => json(404, error("not_found"))],
    ["a 405 whose Allow lists the document's methods", "DELETE", "/v1/webhook_endpoints", () => json(405, error("method_not_allowed"), { Allow: "GET, POST" })],
    ["the reference page", "GET", "/docs", () => new Response("<!doctype html>", { headers: { "Content-Type": "text/html; charset=UTF-8", "X-Request-Id": REQUEST_ID } })],
  ] as Array<[string, string, string, () => Response]>)("%s", async (_label, method, path, response) => {
    await expect(checker.check(method, path, response())).resolves.toBeUndefined();
  });
});

describe("anything else fails", () => {
  test.each([
    ["an undocumented status", "POST", "/v1/activities", () => json(418, error("invalid_field")), /status 418 is not documented/],
    ["a code not possible at that status", "POST", "/v1/activities", () => json(404, error("activity_not_found"), RATE_LIMIT), /body does not match/],
    ["an undocumented field in the activity", "POST", "/v1/activities", () => created({ ...ACTIVITY, owner: "x" }), /must NOT have additional properties/],
    ["a missing field", "POST", "/v1/activities", () => created({ ...ACTIVITY, metadata: undefined }), /must have required property 'metadata'/],
    ["a field of the wrong type", "POST", "/v1/activities", () => created({ ...ACTIVITY, created_date: "yesterday" }), /created_date/],
    ["an undocumented field in an error", "POST", "/v1/activities", () => json(400, error("invalid_field", { stack: "at x" }), RATE_LIMIT), /additional properties/],
    ["a 201 without Location", "POST", "/v1/activities", () => json(201, { data: { activity: ACTIVITY } }, RATE_LIMIT), /required header Location/],
    ["a 429 without Retry-After", "POST", "/v1/activities", () => json(429, error("rate_limited"), RATE_LIMIT), /required header Retry-After/],
    ["a non-numeric RateLimit-Remaining", "POST", "/v1/activities", () => created(ACTIVITY, { "RateLimit-Remaining": "many" }), /RateLimit-Remaining/],
    ["a response without X-Request-Id", "GET", "/v1/nope", () => Response.json(error("not_found"), { status: 404 }), /X-Request-Id/],
    ["an unlisted path answered 200", "GET", "/v1/secret-admin", () => json(200, {}), /must be 404 not_found/],
    ["a 405 whose Allow differs from the document", "PUT", "/v1/activities", () => json(405, error("method_not_allowed"), { Allow: "POST" }), /Allow is "POST"/],
    ["a body in another media type", "GET", "/v1/openapi.json", () => new Response("openapi: 3.1.0", { headers: { "Content-Type": "text/yaml", "X-Request-Id": REQUEST_ID } }), /Content-Type text\/yaml/],
  ] as Array<[string, string, string, () => Response, RegExp]>)("%s", async (_label, method, path, response, message) => {
    await expect(checker.check(method, path, response())).rejects.toBeInstanceOf(UndocumentedResponseError);
    await expect(checker.check(method, path, response())).rejects.toThrow(message);
  });
});
