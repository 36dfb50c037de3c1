// The typed client: the types of client/openapi-types.ts (kept fresh by client-types.test.ts),
// with plain fetch, work against the real Node server (`npm start`'s program on its embedded
// database). `tsc` (npm test) checks the expected type errors below: the types are as narrow as
// the document.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { components, paths } from "../../client/openapi-types.ts";
import { type NodeServer, startNodeServer } from "../support/node-server.ts";

type CreateActivityBody = paths["/v1/activities"]["post"]["requestBody"]["content"]["application/json"];
type Created = paths["/v1/activities"]["post"]["responses"][201]["content"]["application/json"];
type Got = paths["/v1/activities/{id}"]["get"]["responses"][200]["content"]["application/json"];
type GetNotFound = paths["/v1/activities/{id}"]["get"]["responses"][404]["content"]["application/json"];
type CreateBadRequest = paths["/v1/activities"]["post"]["responses"][400]["content"]["application/json"];
type EndpointPage = paths["/v1/webhook_endpoints"]["get"]["responses"][200]["content"]["application/json"];
type EndpointQuery = NonNullable<paths["/v1/webhook_endpoints"]["get"]["parameters"]["query"]>;
type Activity = components["schemas"]["Activity"];
type TimelineQuery = NonNullable<paths["/v1/contacts/{contact_id}/activities"]["get"]["parameters"]["query"]>;
type Timeline = paths["/v1/contacts/{contact_id}/activities"]["get"]["responses"][200]["content"]["application/json"];
type TimelineNotFound = paths["/v1/contacts/{contact_id}/activities"]["get"]["responses"][404]["content"]["application/json"];

describe("the types with plain fetch against the running Node server", () => {
  const KEY = `wbk_${"5e".repeat(32)}`;
  let dataDir: string;
  let server: NodeServer;
  let api: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "api-gateway-typed-client-"));
    server = await startNodeServer({ DATA_DIR: dataDir, DEMO_API_KEY: KEY, WEBHOOKS_DISPATCHER: "0" }, { timeoutMs: 60_000 });
    api = `${server.baseUrl}/functions/v1/api-gateway`;
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const headers = { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" };

  test("record an activity, read it back, list endpoints, and branch on typed error codes", async () => {
    const body: CreateActivityBody = {
      type: "call",
      title: "Discovery call with Jane",
      contact_id: "123e4567-e89b-12d3-a456-426614174000",
      metadata: { duration_minutes: 32, direction: "outbound" },
    };
    // @ts-expect-error owner_id is not a field of the request body
    const unknownField: CreateActivityBody = { type: "call", owner_id: "x" };
    expect(unknownField.type).toBe("call");

    const created = await fetch(`${api}/v1/activities`, { method: "POST", headers, body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as Created;
    const activity: Activity = data.activity;
    expect(activity).toMatchObject({ type: "call", title: body.title, deal_id: null, created_by_user_id: "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d" });

    const got = await fetch(`${server.baseUrl}${created.headers.get("location")}`, { headers });
    expect(got.status).toBe(200);
    expect(((await got.json()) as Got).data.activity).toEqual(activity);

    const filter: TimelineQuery = { type: ["call", "email"], limit: 10 };
    const timeline = await fetch(`${api}/v1/contacts/${body.contact_id}/activities?type=${filter.type!.join(",")}&limit=${filter.limit}`, { headers });
    expect(timeline.status).toBe(200);
    const page1: Timeline = (await timeline.json()) as Timeline;
    expect(page1.data.activities[0]).toEqual(activity);
    const cursor: string | null = page1.next_cursor;
    expect(cursor === null || cursor.startsWith("act_")).toBe(true);
    const noContact = await fetch(`${api}/v1/contacts/00000000-0000-4000-8000-000000000000/activities`, { headers });
    expect(((await noContact.json()) as TimelineNotFound).error.code satisfies "contact_not_found").toBe("contact_not_found");
    // @ts-expect-error limit is a number
    const badLimit: TimelineQuery = { limit: "10" };
    expect(badLimit).toBeDefined();

    const query: EndpointQuery = { limit: 5 };
    const page = await fetch(`${api}/v1/webhook_endpoints?limit=${query.limit}`, { headers });
    expect(page.status).toBe(200);
    const { data: listed } = (await page.json()) as EndpointPage;
    expect(listed).toEqual({ webhook_endpoints: [], has_more: false });

    const missing = await fetch(`${api}/v1/activities/act_00000000-0000-4000-8000-000000000000`, { headers });
    expect(missing.status).toBe(404);
    const notFound = (await missing.json()) as GetNotFound;
    const code: "activity_not_found" = notFound.error.code;
    expect(code).toBe("activity_not_found");
    // @ts-expect-error contact_not_found is not a 404 of GET /v1/activities/{id}
    const impossible: GetNotFound["error"]["code"] = "contact_not_found";
    expect(impossible).toBeDefined();

    const tooBig = await fetch(`${api}/v1/activities`, {
      method: "POST",
      headers,
      body: JSON.stringify({ type: "call", metadata: { note: "x".repeat(9000) } } satisfies CreateActivityBody),
    });
    expect(tooBig.status).toBe(400);
    const problem = (await tooBig.json()) as CreateBadRequest;
    switch (problem.error.code) {
      case "metadata_too_large":
        expect(problem.error.param).toBe("metadata");
        break;
      default:
        throw new Error(`unexpected ${problem.error.code}`);
    }
  }, 60_000);
});
