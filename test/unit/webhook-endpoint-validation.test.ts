// /v1/webhook_endpoints: the gateway's own validation of bodies, paging queries and path ids, with
// the database replaced by a recorder — what the gateway refuses never reaches it, and what it
// accepts reaches it in the form the database functions take (bare lower-case uuids, numbers).

import { describe, expect, test } from "vitest";
import { stubDatabaseApp } from "../support/stub-database-app.ts";

const UUID = "5b0e2a4c-8d1f-4e6a-9c3b-7f2d1e0a9b8c";
const ENDPOINT = `we_${UUID}`;
const DELIVERY = "del_0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
const URL_OK = "https://hooks.example.com/crm";

async function refusal(response: Response) {
  return { status: response.status, ...((await response.json()) as { error: { code: string; param?: string; message: string } }).error };
}

describe("POST /v1/webhook_endpoints body", () => {
  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["url and events", { url: URL_OK, events: ["activity.created"] }, { url: URL_OK, events: ["activity.created"], description: undefined }],
    ["every event type", { url: URL_OK, events: ["*"], description: null }, { url: URL_OK, events: ["*"], description: undefined }],
    ["16 event types", { url: URL_OK, events: Array(16).fill("*") }, { events: Array(16).fill("*") }],
    ["a url of 2048 characters", { url: `${URL_OK}/${"a".repeat(2048 - URL_OK.length - 1)}`, events: ["*"] }, { url: expect.stringMatching(/^https:/) }],
    ["a description of 500 code points", { url: URL_OK, events: ["*"], description: "😀".repeat(500) }, { description: "😀".repeat(500) }],
  ])("accepted: %s", async (_, body, args) => {
    const gateway = stubDatabaseApp();
    expect((await gateway.send("POST", "/v1/webhook_endpoints", body)).status).toBe(201);
    expect(gateway.calls).toHaveLength(1);
    expect(gateway.calls[0]).toMatchObject({ fn: "create_webhook_endpoint", args });
  });

  test.each<[string, unknown, string, string, RegExp]>([
    ["no url", { events: ["*"] }, "missing_required_field", "url", /url is required/],
    ["no events", { url: URL_OK }, "missing_required_field", "events", /events is required/],
    ["no event type", { url: URL_OK, events: [] }, "invalid_field", "events", /at least one event type/],
    ["17 event types", { url: URL_OK, events: Array(17).fill("*") }, "invalid_field", "events", /at most 16 event types/],
    ["an unknown event type", { url: URL_OK, events: ["activity.created", "contact.created"] }, "invalid_field", "events[1]", /"activity.deleted" or "\*"/],
    ["events as a string", { url: URL_OK, events: "*" }, "invalid_field", "events", /must be an array/],
    ["a null event type", { url: URL_OK, events: [null] }, "invalid_field", "events[0]", /"activity.deleted" or "\*"/],
    ["a null url", { url: null, events: ["*"] }, "missing_required_field", "url", /url is required/],
    ["an empty url", { url: "", events: ["*"] }, "invalid_field", "url", /must not be empty/],
    ["a url of 2049 characters", { url: `${URL_OK}/${"a".repeat(2049 - URL_OK.length - 1)}`, events: ["*"] }, "invalid_field", "url", /at most 2048 characters/],
    ["a url with a NUL", { url: `${URL_OK}\u0000`, events: ["*"] }, "invalid_field", "url", /without NUL/],
    ["a url that is a number", { url: 443, events: ["*"] }, "invalid_field", "url", /must be a string/],
    ["a plain-http url", { url: "http://hooks.example.com/", events: ["*"] }, "invalid_field", "url", /https/],
    ["a description of 501 code points", { url: URL_OK, events: ["*"], description: "😀".repeat(501) }, "invalid_field", "description", /at most 500 characters/],
    ["a description with a lone surrogate", { url: URL_OK, events: ["*"], description: "\ud800" }, "invalid_field", "description", /valid Unicode/],
    ["a description that is a number", { url: URL_OK, events: ["*"], description: 1 }, "invalid_field", "description", /must be a string/],
    ["a secret of one's own", { url: URL_OK, events: ["*"], secret: "whsec_x" }, "invalid_field", "secret", /Unknown field "secret"/],
  ])("refused: %s", async (_, body, code, param, message) => {
    const gateway = stubDatabaseApp();
    expect(await refusal(await gateway.send("POST", "/v1/webhook_endpoints", body))).toMatchObject({ status: 400, code, param, message: expect.stringMatching(message) });
    expect(gateway.calls).toEqual([]);
  });
});

describe("PATCH /v1/webhook_endpoints/{id} body", () => {
  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["enabled alone", { enabled: false }, { id: UUID, enabled: false, url: undefined, events: undefined, description: undefined }],
    ["a null description, which clears it", { description: null }, { id: UUID, description: "" }],
    ["a new url and events", { url: URL_OK, events: ["*"] }, { id: UUID, url: URL_OK, events: ["*"] }],
  ])("accepted: %s", async (_, body, args) => {
    const gateway = stubDatabaseApp();
    expect((await gateway.send("PATCH", `/v1/webhook_endpoints/${ENDPOINT}`, body)).status).toBe(200);
    expect(gateway.calls[0]).toMatchObject({ fn: "update_webhook_endpoint", args });
  });

  test.each<[string, unknown, string | undefined, RegExp]>([
    ["nothing to change", {}, undefined, /Send at least one of url, events, enabled, description/],
    ["enabled as a string", { enabled: "no" }, "enabled", /true or false/],
    ["no event type", { events: [] }, "events", /at least one event type/],
    ["a plain-http url", { url: "http://hooks.example.com/" }, "url", /https/],
  ])("refused: %s", async (_, body, param, message) => {
    const gateway = stubDatabaseApp();
    const refused = await refusal(await gateway.send("PATCH", `/v1/webhook_endpoints/${ENDPOINT}`, body));
    expect(refused).toMatchObject({ status: 400, code: "invalid_field", message: expect.stringMatching(message) });
    expect(refused.param).toBe(param);
    expect(gateway.calls).toEqual([]);
  });
});

describe("paging: ?limit= and ?starting_after=", () => {
  test.each<[string, string, Record<string, unknown>]>([
    ["no query: 20 from the newest", "", { max_results: 20, starting_after: undefined }],
    ["limit=1", "?limit=1", { max_results: 1 }],
    ["limit=100", "?limit=100", { max_results: 100 }],
    ["a cursor in any letter case, passed on as a bare lower-case uuid", `?starting_after=WE_${UUID.toUpperCase()}`, { max_results: 20, starting_after: UUID }],
  ])("endpoints, accepted: %s", async (_, query, args) => {
    const gateway = stubDatabaseApp();
    expect((await gateway.send("GET", `/v1/webhook_endpoints${query}`)).status).toBe(200);
    expect(gateway.calls[0]).toMatchObject({ fn: "list_webhook_endpoints", args, readOnly: true });
  });

  test.each<[string, string, string, RegExp]>([
    ["limit=0", "?limit=0", "limit", /at least 1/],
    ["limit=101", "?limit=101", "limit", /at most 100/],
    ["limit=-1", "?limit=-1", "limit", /whole number/],
    ["limit=1.5", "?limit=1.5", "limit", /whole number/],
    ["limit=ten", "?limit=ten", "limit", /whole number/],
    ["an empty limit", "?limit=", "limit", /whole number/],
    ["a cursor that is no id", "?starting_after=nope", "starting_after", /must be a webhook endpoint id/],
    ["a delivery id as the cursor", `?starting_after=${DELIVERY}`, "starting_after", /must be a webhook endpoint id/],
    ["an endpoint id with something after it", `?starting_after=${ENDPOINT}x`, "starting_after", /must be a webhook endpoint id/],
  ])("endpoints, refused: %s", async (_, query, param, message) => {
    const gateway = stubDatabaseApp();
    expect(await refusal(await gateway.send("GET", `/v1/webhook_endpoints${query}`))).toMatchObject({ status: 400, code: "invalid_field", param, message: expect.stringMatching(message) });
    expect(gateway.calls).toEqual([]);
  });

  test("deliveries take a delivery id as the cursor, and refuse an endpoint id", async () => {
    const gateway = stubDatabaseApp();
    expect((await gateway.send("GET", `/v1/webhook_endpoints/${ENDPOINT}/deliveries?limit=5&starting_after=${DELIVERY.toUpperCase()}`)).status).toBe(200);
    expect(gateway.calls[0]).toMatchObject({ fn: "list_webhook_deliveries", args: { endpoint_id: UUID, max_results: 5, starting_after: DELIVERY.slice(4) } });
    expect(await refusal(await gateway.send("GET", `/v1/webhook_endpoints/${ENDPOINT}/deliveries?starting_after=${ENDPOINT}`))).toMatchObject({
      status: 400,
      param: "starting_after",
      message: "starting_after must be a delivery id.",
    });
    expect(gateway.calls).toHaveLength(1);
  });
});

describe("path ids: we_ and a UUID, or the bare UUID, in any letter case; anything else is simply not found", () => {
  test.each([`WE_${UUID.toUpperCase()}`, UUID.toUpperCase()])("%s reaches the database as a bare lower-case uuid", async (id) => {
    const gateway = stubDatabaseApp();
    expect((await gateway.send("GET", `/v1/webhook_endpoints/${id}`)).status).toBe(200);
    expect(gateway.calls[0]).toMatchObject({ fn: "get_webhook_endpoint", args: { id: UUID }, readOnly: true });
  });

  test.each([`we_${UUID}x`, `del_${UUID}`, "we_nope"])("endpoint %s: 404 webhook_endpoint_not_found", async (id) => {
    const gateway = stubDatabaseApp();
    expect(await refusal(await gateway.send("GET", `/v1/webhook_endpoints/${id}`))).toMatchObject({
      status: 404,
      code: "webhook_endpoint_not_found",
      param: "id",
      message: `No webhook endpoint with id "${id}" exists in this workspace.`,
    });
    expect(gateway.calls).toEqual([]);
  });

  test("a malformed delivery id: 404 delivery_not_found", async () => {
    const gateway = stubDatabaseApp();
    expect(await refusal(await gateway.send("POST", `/v1/webhook_endpoints/${ENDPOINT}/deliveries/${ENDPOINT}/retry`))).toMatchObject({
      status: 404,
      code: "delivery_not_found",
      param: "delivery_id",
      message: `No delivery with id "${ENDPOINT}" exists for this endpoint.`,
    });
    expect(gateway.calls).toEqual([]);
  });
});
