// The fetch-level contract of /v1/activities: status codes, bodies and headers a client sees,
// for every case of the doc and of DESIGN.md. It knows nothing of the runtime behind it — each
// *.test.ts in this folder runs it against one target (Node server, in-process app, Deno,
// workerd, the PostgREST path) — and it checks the database only through the fixtures. Every
// response is also checked against the OpenAPI document the target serves (status, headers,
// body), so an undocumented status or field fails the run.

import { describe, expect, test } from "vitest";
import { DEMO_CONTACT_ID, DEMO_DEAL_ID, DEMO_USER_ID, DEMO_WORKSPACE_ID } from "../../functions/_node/demo-seed.ts";
import type { ActivityResponse } from "../../functions/api-gateway/routes/activities/schema.ts";
import { apiDocument } from "../../functions/api-gateway/routes/index.ts";
import type { ErrorBody } from "../../functions/_shared/errors.ts";
import type { Fixtures, Workspace } from "../support/fixtures.ts";
import { checkedAgainstServedDocument } from "../support/openapi-responses.ts";
import { expectApiError } from "./expect-error.ts";

export interface ContractTarget {
  /** Sends a request to the API; `path` starts at the host root (e.g. "/v1/activities"). */
  request(path: string, init?: RequestInit): Promise<Response>;
  fixtures: Fixtures;
  /** The target's RATE_LIMIT_REQUESTS; its window must be long enough to exhaust it (≥ 10 s). */
  rateLimitRequests: number;
  bodyLimitBytes: number;
}

const DOC_EXAMPLE = {
  type: "call",
  title: "Discovery call with Jane",
  description: "Discussed Q2 outsourcing plans; next step is proposal.",
  contact_id: "123e4567-e89b-12d3-a456-426614174000",
  deal_id: "3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a",
  metadata: { duration_minutes: 32, direction: "outbound" },
};

const ACTIVITY_KEYS = [
  "id", "type", "title", "description", "contact_id", "deal_id", "entity_type", "entity_id",
  "entity_name", "metadata", "created_by_user_id", "created_date",
];

export interface ContractOptions {
  /**
   * Whether the target's database runs transactions concurrently. PGlite (the in-process target)
   * runs one at a time, so no request there can find another still running.
   */
  concurrentTransactions?: boolean;
}

export function describeActivitiesContract(name: string, target: () => ContractTarget, options: ContractOptions = {}): void {
  const { concurrentTransactions = true } = options;
  /** target().request, checked against the document the target itself serves. */
  const request: ContractTarget["request"] = checkedAgainstServedDocument(target);

  const post = (key: string | null, body: unknown, init: RequestInit & { path?: string } = {}) =>
    request(init.path ?? "/v1/activities", {
      method: "POST",
      ...init,
      headers: {
        "Content-Type": "application/json",
        ...(key === null ? {} : { Authorization: `Bearer ${key}` }),
        ...(init.headers as Record<string, string> | undefined),
      },
      body: init.body ?? (typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body)),
    });

  /** The body of the doc's example, pointed at `ws`'s contact and deal. */
  const docBody = (ws: Workspace) => ({ ...DOC_EXAMPLE, contact_id: ws.contactId, deal_id: ws.dealId });

  /** The shared checks (expect-error.ts), and what this suite adds: JSON, one member, a message without internals, the header id. */
  async function expectError(response: Response, status: number, code: string, param?: string): Promise<ErrorBody> {
    const body = await expectApiError(response, status, code, param);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys(body)).toEqual(["error"]);
    expect(typeof body.error.message).toBe("string");
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(body.error.message).not.toMatch(/\bat .+:\d+:\d+|node_modules|stack/i);
    expect(response.headers.get("x-request-id")).toBe(body.error.request_id);
    return body;
  }


  /** Runs `attempt` and proves it wrote nothing anywhere. */
  async function writesNothing(attempt: () => Promise<void>): Promise<void> {
    const before = await target().fixtures.totalActivityCount();
    await attempt();
    expect(await target().fixtures.totalActivityCount()).toBe(before);
  }

  describe(`${name}: POST /v1/activities — happy path`, () => {
    test("the doc's example, verbatim but for host and key, returns 201 and the doc's shape", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(DEMO);
      const response = await post(key, DOC_EXAMPLE, { path: "/functions/v1/api-gateway/v1/activities" });
      const text = await response.text();
      expect(response.status, text).toBe(201);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const body = JSON.parse(text) as ActivityResponse;
      expect(Object.keys(body)).toEqual(["data"]);
      expect(Object.keys(body.data)).toEqual(["activity"]);
      const activity = body.data.activity;
      expect(Object.keys(activity)).toEqual(ACTIVITY_KEYS);
      expect(activity.id).toMatch(/^act_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(activity).toMatchObject({
        type: "call",
        title: "Discovery call with Jane",
        description: "Discussed Q2 outsourcing plans; next step is proposal.",
        contact_id: DOC_EXAMPLE.contact_id,
        deal_id: DOC_EXAMPLE.deal_id,
        entity_type: null,
        entity_id: null,
        entity_name: null,
        metadata: { duration_minutes: 32, direction: "outbound" },
        created_by_user_id: "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d",
      });
      expect(activity.created_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Math.abs(Date.parse(activity.created_date) - Date.now())).toBeLessThan(60_000);
      expect(response.headers.get("location")).toBe(`/functions/v1/api-gateway/v1/activities/${activity.id}`);
      expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    });

    test.each([
      ["/v1/activities", "/v1/activities/"],
      ["/api-gateway/v1/activities", "/functions/v1/api-gateway/v1/activities/"],
      ["/functions/v1/api-gateway/v1/activities", "/functions/v1/api-gateway/v1/activities/"],
    ])("%s serves the same route; Location points at the public URL", async (path, locationPrefix) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const response = await post(await fixtures.key(ws), docBody(ws), { path });
      expect(response.status).toBe(201);
      const { data } = (await response.json()) as ActivityResponse;
      expect(response.headers.get("location")).toBe(`${locationPrefix}${data.activity.id}`);
      expect(await fixtures.activityCount(ws)).toBe(1);
    });

    test("only type is required; omitted fields come back as null; the user is the key's", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const response = await post(await fixtures.key(ws), { type: "note" });
      expect(response.status).toBe(201);
      const { data } = (await response.json()) as ActivityResponse;
      expect(data.activity).toMatchObject({
        type: "note", title: null, description: null, contact_id: null, deal_id: null,
        entity_type: null, entity_id: null, entity_name: null, metadata: null,
        created_by_user_id: ws.userId,
      });
    });

    test("custom types, entities, explicit nulls, and limits at their exact edge are accepted", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const title = "🙂".repeat(500); // 500 code points, 1000 UTF-16 units
      const filler = "x".repeat(8192 - JSON.stringify({ note: "" }).length);
      const body = {
        type: "ai_action",
        title,
        description: "**markdown** _is_ kept\nverbatim",
        contact_id: null,
        entity_type: "campaign",
        entity_id: "5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        entity_name: "Spring launch",
        metadata: { note: filler },
      };
      expect(new TextEncoder().encode(JSON.stringify(body.metadata)).byteLength).toBe(8192);
      const response = await post(key, body);
      expect(response.status, await response.clone().text()).toBe(201);
      const { data } = (await response.json()) as ActivityResponse;
      expect(data.activity).toMatchObject({ ...body, contact_id: null, deal_id: null });
    });

    test("metadata comes back exactly as sent — keys in their order, integer-like keys too, numbers as written — on POST and GET", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      // The doc's example: jsonb used to answer {"direction": …, "duration_minutes": 32}.
      const example = await post(key, docBody(ws));
      const exampleText = await example.text();
      expect(example.status, exampleText).toBe(201);
      expect(exampleText).toContain('"metadata":{"duration_minutes":32,"direction":"outbound"}');
      // JSON.parse puts "1" before "2"; 1.0 and -0 and 9007199254740991 are kept as written; whitespace between tokens goes.
      const sent = '{"z": {"2": "b", "1": "a"}, "10": 1.0, "9": [-0, 9007199254740991, 2.50e1], "s": "a  b"}';
      const kept = '{"z":{"2":"b","1":"a"},"10":1.0,"9":[-0,9007199254740991,2.50e1],"s":"a  b"}';
      const created = await post(key, `{"type":"call","metadata":${sent}}`);
      const createdText = await created.text();
      expect(created.status, createdText).toBe(201);
      expect(createdText).toContain(`"metadata":${kept}`);
      const read = await request(created.headers.get("location")!, { headers: { Authorization: `Bearer ${key}` } });
      const readText = await read.text();
      expect(read.status, readText).toBe(200);
      expect(readText).toContain(`"metadata":${kept}`);
      expect(readText).toBe(createdText);
    });

    test("entity_id is a UUID in any letter case, stored and returned lower case", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const created = await post(key, { type: "note", entity_type: "campaign", entity_id: "5B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E" });
      expect(created.status).toBe(201);
      expect(((await created.json()) as ActivityResponse).data.activity.entity_id).toBe("5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
      const read = await request(created.headers.get("location")!, { headers: { Authorization: `Bearer ${key}` } });
      expect(((await read.json()) as ActivityResponse).data.activity.entity_id).toBe("5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
    });

    test("GET on the Location returns the same activity", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const created = await post(key, docBody(ws));
      const { data } = (await created.json()) as ActivityResponse;
      const response = await request(created.headers.get("location")!, { headers: { Authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as ActivityResponse).data.activity).toEqual(data.activity);
    });

    test("every keyed response carries rate-limit headers, counting down", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const first = await post(key, { type: "note" });
      const second = await post(key, { title: "no type" });
      for (const response of [first, second]) {
        expect(response.headers.get("ratelimit-limit")).toBe(String(target().rateLimitRequests));
        expect(response.headers.get("ratelimit-policy")).toMatch(/^\d+;w=\d+$/);
        expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(0);
      }
      expect(Number(second.headers.get("ratelimit-remaining"))).toBe(Number(first.headers.get("ratelimit-remaining")) - 1);
    });
  });

  describe(`${name}: POST /v1/activities — keys and permissions`, () => {
    test("no Authorization header → 401 invalid_key", async () => {
      await writesNothing(async () => {
        const response = await post(null, { type: "call" });
        await expectError(response, 401, "invalid_key");
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      });
    });

    test.each([
      ["a non-bearer scheme", "Basic dXNlcjpwYXNz"],
      ["a malformed key", "Bearer wbk_short"],
      ["another vendor's key", "Bearer sk_live_0123456789abcdef0123456789abcdef"],
      ["an unknown well-formed key", `Bearer wbk_${"0".repeat(64)}`],
    ])("%s → 401 invalid_key, nothing written", async (_label, authorization) => {
      await writesNothing(async () => {
        const response = await request("/v1/activities", {
          method: "POST",
          headers: { Authorization: authorization, "Content-Type": "application/json" },
          body: JSON.stringify({ type: "call" }),
        });
        await expectError(response, 401, "invalid_key");
      });
    });

    test("an expired key → 401; a revoked key → 401, from the next request on", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const expiring = await fixtures.key(ws);
      expect((await post(expiring, { type: "call" })).status).toBe(201);
      await fixtures.expireKey(expiring);
      await writesNothing(async () => {
        const expired = await post(expiring, { type: "call" });
        await expectError(expired, 401, "invalid_key");
        expect(expired.headers.get("www-authenticate")).toBe('Bearer realm="api", error="invalid_token"');
        await expectError(await post(await fixtures.key(ws, { revoked: true }), { type: "call" }), 401, "invalid_key");
      });
    });

    test("a key without activities:write → 403 insufficient_permissions", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const readOnly = await fixtures.key(ws, { scopes: ["activities:read"] });
      await writesNothing(async () => {
        await expectError(await post(readOnly, docBody(ws)), 403, "insufficient_permissions");
      });
    });

    test("a write-only key creates but cannot read back (403 on GET)", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const writeOnly = await fixtures.key(ws, { scopes: ["activities:write"] });
      const created = await post(writeOnly, { type: "call" });
      expect(created.status).toBe(201);
      const response = await request(created.headers.get("location")!, { headers: { Authorization: `Bearer ${writeOnly}` } });
      await expectError(response, 403, "insufficient_permissions");
    });

    test("another workspace's contact or deal is indistinguishable from a missing one (404)", async () => {
      const { fixtures } = target();
      const mine = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      const key = await fixtures.key(mine);
      await writesNothing(async () => {
        await expectError(await post(key, { type: "call", contact_id: theirs.contactId }), 404, "contact_not_found", "contact_id");
        await expectError(await post(key, { type: "call", deal_id: theirs.dealId }), 404, "deal_not_found", "deal_id");
        await expectError(await post(key, { type: "call", contact_id: crypto.randomUUID() }), 404, "contact_not_found", "contact_id");
        await expectError(await post(key, { type: "call", contact_id: mine.contactId, deal_id: crypto.randomUUID() }), 404, "deal_not_found", "deal_id");
      });
    });

    test("another workspace's activity cannot be read (404)", async () => {
      const { fixtures } = target();
      const mine = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      const created = await post(await fixtures.key(theirs), { type: "call" });
      const location = created.headers.get("location")!;
      const response = await request(location, { headers: { Authorization: `Bearer ${await fixtures.key(mine)}` } });
      await expectError(response, 404, "activity_not_found", "id");
    });
  });

  describe(`${name}: POST /v1/activities — bad input is a 4xx and writes nothing`, () => {
    const cases: Array<[string, unknown, number, string, string | undefined]> = [
      ["type missing", { title: "x" }, 400, "missing_required_field", "type"],
      ["type null", { type: null }, 400, "missing_required_field", "type"],
      ["type empty", { type: "" }, 400, "invalid_field", "type"],
      ["type not a string", { type: 7 }, 400, "invalid_field", "type"],
      ["type with spaces", { type: "phone call" }, 400, "invalid_field", "type"],
      ["title over 500 code points", { type: "call", title: "🙂".repeat(501) }, 400, "invalid_field", "title"],
      ["title a number", { type: "call", title: 5 }, 400, "invalid_field", "title"],
      ["title with a NUL byte", { type: "call", title: "a\u0000b" }, 400, "invalid_field", "title"],
      ["description an object", { type: "call", description: { md: "x" } }, 400, "invalid_field", "description"],
      ["contact_id not a UUID", { type: "call", contact_id: "123" }, 400, "invalid_field", "contact_id"],
      ["deal_id a number", { type: "call", deal_id: 42 }, 400, "invalid_field", "deal_id"],
      ["entity_id without entity_type", { type: "call", entity_id: "5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e" }, 400, "invalid_field", "entity_type"],
      ["entity_id not a UUID", { type: "call", entity_type: "campaign", entity_id: "cmp_42" }, 400, "invalid_field", "entity_id"],
      ["entity_id a UUID without hyphens", { type: "call", entity_type: "campaign", entity_id: "5b1c2d3e4f5a4b6c8d7e9f0a1b2c3d4e" }, 400, "invalid_field", "entity_id"],
      ["entity_type without entity_id", { type: "call", entity_type: "task" }, 400, "invalid_field", "entity_id"],
      ["an unknown field", { type: "call", owner_id: "x" }, 400, "invalid_field", "owner_id"],
      ["metadata an array", { type: "call", metadata: [1, 2] }, 400, "invalid_field", "metadata"],
      ["metadata a string", { type: "call", metadata: "{}" }, 400, "invalid_field", "metadata"],
      ["metadata 8193 bytes", { type: "call", metadata: { note: "x".repeat(8193 - 11) } }, 400, "metadata_too_large", "metadata"],
      ["metadata over 8 KB in multi-byte text", { type: "call", metadata: { note: "é".repeat(4100) } }, 400, "metadata_too_large", "metadata"],
      ["metadata nested too deep", { type: "call", metadata: nested(40) }, 400, "invalid_field", "metadata"],
      ["metadata with a NUL in a value", { type: "call", metadata: { a: "\u0000" } }, 400, "invalid_field", "metadata"],
    ];
    test.each(cases)("%s", async (_label, body, status, code, param) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      await writesNothing(async () => {
        await expectError(await post(key, body), status, code, param);
      });
    });

    test.each([
      ["metadata holding 1e400 (a double overflows)", '{"type":"call","metadata":{"n":1e400}}', "metadata"],
      ["metadata holding 2^53 (beyond ±(2^53-1))", '{"type":"call","metadata":{"n":9007199254740992}}', "metadata"],
      ["metadata holding -(2^53+1) in an array", '{"type":"call","metadata":{"n":[-9007199254740993]}}', "metadata"],
      ["a lone high surrogate in title", '{"type":"call","title":"\\ud800"}', "title"],
      ["a lone low surrogate in a metadata key", '{"type":"call","metadata":{"\\udc00":1}}', "metadata"],
      ["an escaped NUL in type", '{"type":"ca\\u0000ll"}', "type"],
    ])("%s → 400 invalid_field", async (_label, raw, param) => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      await writesNothing(async () => {
        await expectError(await post(key, raw), 400, "invalid_field", param);
      });
    });

    test.each([
      ["malformed JSON", '{"type": "call",'],
      ["an empty body", ""],
      ["a JSON array", '[{"type":"call"}]'],
      ["a JSON string", '"call"'],
      ["JSON null", "null"],
      ["a number", "42"],
    ])("%s → 400 invalid_json", async (_label, raw) => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      await writesNothing(async () => {
        await expectError(await post(key, raw), 400, "invalid_json");
      });
    });

    test("bytes that are not UTF-8 → 400 invalid_json", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const bytes = new Uint8Array([...new TextEncoder().encode('{"type":"call","title":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
      await writesNothing(async () => {
        await expectError(await post(key, bytes), 400, "invalid_json");
      });
    });

    test.each([
      ["text/plain", "text/plain"],
      ["form encoding (curl -d default)", "application/x-www-form-urlencoded"],
      ["JSON in another charset", "application/json; charset=utf-16"],
    ])("Content-Type %s → 415 unsupported_media_type", async (_label, contentType) => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      await writesNothing(async () => {
        await expectError(await post(key, { type: "call" }, { headers: { "Content-Type": contentType } }), 415, "unsupported_media_type");
      });
    });

    test("application/json; charset=utf-8 is accepted", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const response = await post(key, { type: "call" }, { headers: { "Content-Type": "application/json; charset=UTF-8" } });
      expect(response.status).toBe(201);
    });

    test("a content coding other than identity → 415 unsupported_media_type (gzip is not decoded, nor a plain body labelled gzip accepted)", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const json = JSON.stringify({ type: "call", title: "compressed" });
      const gzipped = new Uint8Array(await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
      await writesNothing(async () => {
        for (const [encoding, body] of [["gzip", gzipped], ["gzip", json], ["br", json], ["identity, gzip", json]] as const) {
          const refused = await expectError(await post(key, body, { headers: { "Content-Encoding": encoding } }), 415, "unsupported_media_type");
          expect(refused.error.message).toMatch(/Content-Encoding/);
        }
      });
      expect((await post(key, json, { headers: { "Content-Encoding": "identity" } })).status).toBe(201);
    });

    test("a chunked body (no Content-Length) is read under the same limit", async () => {
      const { fixtures, bodyLimitBytes } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const chunked = (text: string) =>
        post(key, null, {
          body: new ReadableStream({
            start(controller) {
              const bytes = new TextEncoder().encode(text);
              for (let at = 0; at < bytes.length; at += 16_384) controller.enqueue(bytes.subarray(at, at + 16_384));
              controller.close();
            },
          }),
          duplex: "half",
        } as RequestInit);
      const accepted = await chunked(JSON.stringify({ type: "note", title: "streamed" }));
      expect(accepted.status, await accepted.clone().text()).toBe(201);
      await writesNothing(async () => {
        const huge = JSON.stringify({ type: "call", description: "x".repeat(bodyLimitBytes) });
        await expectError(await chunked(huge), 413, "payload_too_large");
      });
    });

    test("a body over the limit → 413 payload_too_large, before the key is even looked at", async () => {
      const { fixtures, bodyLimitBytes } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const huge = JSON.stringify({ type: "call", description: "x".repeat(bodyLimitBytes) });
      await writesNothing(async () => {
        await expectError(await post(key, huge), 413, "payload_too_large");
        await expectError(await post(null, huge), 413, "payload_too_large");
      });
    });
  });

  describe(`${name}: POST /v1/activities — Idempotency-Key`, () => {
    const withKey = (idempotencyKey: string, headers: Record<string, string> = {}) => ({
      headers: { "Idempotency-Key": idempotencyKey, ...headers },
    });

    test("a retry with the same key and body answers the first response again — status, body, Location — marked, and writes nothing, fires nothing", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await fixtures.webhookEndpoint(ws);
      const key = await fixtures.key(ws);
      const idempotencyKey = crypto.randomUUID();
      const path = "/functions/v1/api-gateway/v1/activities";
      const first = await post(key, docBody(ws), { path, ...withKey(idempotencyKey) });
      const firstText = await first.text();
      expect(first.status, firstText).toBe(201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      for (let attempt = 0; attempt < 2; attempt++) {
        const again = await post(key, docBody(ws), { path, ...withKey(idempotencyKey) });
        expect(again.status).toBe(201);
        expect(await again.text()).toBe(firstText);
        expect(again.headers.get("location")).toBe(first.headers.get("location"));
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        expect(again.headers.get("content-type")).toMatch(/^application\/json/);
        expect(again.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
      }
      expect(await fixtures.activityCount(ws)).toBe(1);
      expect(await fixtures.webhookEventCount(ws)).toBe(1);
      expect(await fixtures.idempotencyKeyCount(ws)).toBe(1);
      // Without the key, the same body is a new activity.
      expect((await post(key, docBody(ws), { path })).status).toBe(201);
      expect(await fixtures.activityCount(ws)).toBe(2);
    });

    test("concurrent retries of a finished request all replay it (none is told it is in progress)", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      // Several keys of the workspace, to stay under each key's rate limit.
      const keys = await Promise.all(Array.from({ length: 4 }, () => fixtures.key(ws)));
      const idempotencyKey = crypto.randomUUID();
      const first = await post(keys[0]!, { type: "note" }, withKey(idempotencyKey));
      expect(first.status).toBe(201);
      const retries = await Promise.all(Array.from({ length: 32 }, (_, i) => post(keys[i % 4]!, { type: "note" }, withKey(idempotencyKey))));
      expect(retries.map((r) => [r.status, r.headers.get("idempotent-replayed")])).toEqual(Array(32).fill([201, "true"]));
      expect(await fixtures.activityCount(ws)).toBe(1);
    });

    test("the same key with a different body → 422 idempotency_key_reused, writes nothing", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const idempotencyKey = `order-${crypto.randomUUID()}`;
      expect((await post(key, { type: "call", title: "first" }, withKey(idempotencyKey))).status).toBe(201);
      await writesNothing(async () => {
        for (const body of [{ type: "call", title: "second" }, { type: "call" }, { type: "call", title: "first", metadata: {} }]) {
          const refused = await post(key, body, withKey(idempotencyKey));
          await expectError(refused, 422, "idempotency_key_reused", "Idempotency-Key");
          expect(refused.headers.get("idempotent-replayed")).toBeNull();
        }
      });
    });

    test("a key belongs to its workspace: another workspace's identical key and body records its own activity", async () => {
      const { fixtures } = target();
      const [mine, theirs] = [await fixtures.workspace(), await fixtures.workspace()];
      const idempotencyKey = crypto.randomUUID();
      const a = await post(await fixtures.key(mine), { type: "note" }, withKey(idempotencyKey));
      const b = await post(await fixtures.key(theirs), { type: "note" }, withKey(idempotencyKey));
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.headers.get("idempotent-replayed")).toBeNull();
      expect(b.headers.get("location")).not.toBe(a.headers.get("location"));
      // Another key of the same workspace replays it.
      const replay = await post(await fixtures.key(mine), { type: "note" }, withKey(idempotencyKey));
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.headers.get("location")).toBe(a.headers.get("location"));
    });

    test("requests refused before or while they run store nothing: a corrected retry with the same key proceeds", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const idempotencyKey = crypto.randomUUID();
      await writesNothing(async () => {
        await expectError(await post(null, { type: "call" }, withKey(idempotencyKey)), 401, "invalid_key");
        await expectError(await post(await fixtures.key(ws, { scopes: ["activities:read"] }), { type: "call" }, withKey(idempotencyKey)), 403, "insufficient_permissions");
        await expectError(await post(key, '{"type":', withKey(idempotencyKey)), 400, "invalid_json");
        await expectError(await post(key, { title: "no type" }, withKey(idempotencyKey)), 400, "missing_required_field", "type");
        await expectError(await post(key, { type: "call", contact_id: crypto.randomUUID() }, withKey(idempotencyKey)), 404, "contact_not_found", "contact_id");
      });
      expect(await fixtures.idempotencyKeyCount(ws)).toBe(0);
      const corrected = await post(key, { type: "call", contact_id: ws.contactId }, withKey(idempotencyKey));
      expect(corrected.status).toBe(201);
      expect(corrected.headers.get("idempotent-replayed")).toBeNull();
      expect(await fixtures.activityCount(ws)).toBe(1);
    });

    test.each([
      ["empty", ""],
      ["256 characters", "k".repeat(256)],
      ["not ASCII", "clé-1"],
    ])("an Idempotency-Key that is %s → 400 invalid_field, nothing written or stored", async (_label, value) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      await writesNothing(async () => {
        await expectError(await post(key, { type: "call" }, withKey(value)), 400, "invalid_field", "Idempotency-Key");
      });
      expect(await fixtures.idempotencyKeyCount(ws)).toBe(0);
    });

    test("255 printable ASCII characters, spaces and punctuation included, make a key", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const printable = `a ~!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}`;
      const idempotencyKey = printable + "z".repeat(255 - printable.length);
      expect(idempotencyKey).toHaveLength(255);
      expect((await post(key, { type: "call" }, withKey(idempotencyKey))).status).toBe(201);
      expect((await post(key, { type: "call" }, withKey(idempotencyKey))).headers.get("idempotent-replayed")).toBe("true");
    });

    test("a key is kept 24 hours: after that the same key is new again", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const idempotencyKey = crypto.randomUUID();
      expect((await post(key, { type: "call", title: "first" }, withKey(idempotencyKey))).status).toBe(201);
      await fixtures.ageIdempotencyKeys(ws, 23.9);
      await expectError(await post(key, { type: "call", title: "second" }, withKey(idempotencyKey)), 422, "idempotency_key_reused", "Idempotency-Key");
      await fixtures.ageIdempotencyKeys(ws, 0.2);
      const fresh = await post(key, { type: "call", title: "second" }, withKey(idempotencyKey));
      expect(fresh.status).toBe(201);
      expect(fresh.headers.get("idempotent-replayed")).toBeNull();
      expect(await fixtures.activityCount(ws)).toBe(2);
      expect(await fixtures.idempotencyKeyCount(ws)).toBe(1);
    });

    // Registered only where transactions run concurrently (not a skip: PGlite cannot be in this state).
    if (concurrentTransactions) test(
      "a request failing on a transient fault (503: the statement timeout, waiting on a lock) stores nothing; its retry with the key writes",
      async () => {
        const { fixtures } = target();
        const ws = await fixtures.workspace();
        const key = await fixtures.key(ws);
        const idempotencyKey = crypto.randomUUID();
        const body = { type: "call", contact_id: ws.contactId };
        const held = await fixtures.holdContact(ws);
        try {
          // anon's statement_timeout (3 s) ends the waiting request.
          const failed = await post(key, body, withKey(idempotencyKey));
          await expectError(failed, 503, "service_unavailable");
        } finally {
          await held.release();
        }
        expect(await fixtures.idempotencyKeyCount(ws)).toBe(0);
        const retry = await post(key, body, withKey(idempotencyKey));
        expect(retry.status).toBe(201);
        expect(retry.headers.get("idempotent-replayed")).toBeNull();
        expect(await fixtures.activityCount(ws)).toBe(1);
      },
      20_000,
    );


    if (concurrentTransactions) test(
      "the same key while the first request still runs → 409 idempotency_key_in_progress with Retry-After; then the first's answer",
      async () => {
        const { fixtures } = target();
        const ws = await fixtures.workspace();
        const key = await fixtures.key(ws);
        const idempotencyKey = crypto.randomUUID();
        const body = { type: "call", contact_id: ws.contactId };
        const held = await fixtures.holdContact(ws);
        let first: Promise<Response>;
        try {
          first = post(key, body, withKey(idempotencyKey));
          await fixtures.someoneWaitsForALock();
          const busy = await post(key, body, withKey(idempotencyKey));
          await expectError(busy, 409, "idempotency_key_in_progress", "Idempotency-Key");
          expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        } finally {
          await held.release();
        }
        const done = await first;
        expect(done.status, await done.clone().text()).toBe(201);
        const replay = await post(key, body, withKey(idempotencyKey));
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
        expect(await replay.text()).toBe(await done.text());
        expect(await fixtures.activityCount(ws)).toBe(1);
      },
    );
  });

  describe(`${name}: the API document and reference page`, () => {
    test("GET /v1/openapi.json serves the document generated from the schemas, cacheable, without a key", async () => {
      const response = await request("/functions/v1/api-gateway/v1/openapi.json");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(response.headers.get("cache-control")).toBe("public, max-age=300");
      expect(await response.json()).toEqual(apiDocument());
    });

    test("GET /docs serves the reference page for the document under the prefix it was asked at", async () => {
      const response = await request("/functions/v1/api-gateway/docs");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain('"url": "/functions/v1/api-gateway/v1/openapi.json"');
      expect(html).toMatch(/<script src="[^"]+api-reference[^"]*\.js"><\/script>/);
    });
  });

  describe(`${name}: rate limit, routing`, () => {
    test("past the limit → 429 rate_limited with Retry-After, and the refused request writes nothing", async () => {
      const { fixtures, rateLimitRequests } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      // A sliding window weighs the previous window by how much of it still overlaps, so a run
      // that straddles a window boundary may pass a few more than the limit before refusing.
      let accepted = 0;
      let refused: Response | undefined;
      for (let i = 0; i < 2 * rateLimitRequests && refused === undefined; i++) {
        const response = await post(key, { type: "note" });
        if (response.status === 201) accepted++;
        else refused = response;
      }
      expect(accepted).toBeGreaterThanOrEqual(rateLimitRequests);
      expect(refused, "no request was refused").toBeDefined();
      await expectError(refused!, 429, "rate_limited");
      expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(refused!.headers.get("ratelimit-remaining")).toBe("0");
      expect(await fixtures.activityCount(ws)).toBe(accepted);
      // Limits are per key: another key of the same workspace is unaffected.
      expect((await post(await fixtures.key(ws), { type: "note" })).status).toBe(201);
    });

    test("an unknown route → 404 not_found; a wrong method → 405 with Allow", async () => {
      await expectError(await request("/v1/nope"), 404, "not_found");
      await expectError(await request("/functions/v1/api-gateway/v2/activities", { method: "POST" }), 404, "not_found");
      const wrongMethod = await request("/v1/activities", { method: "PUT" });
      await expectError(wrongMethod, 405, "method_not_allowed");
      expect(wrongMethod.headers.get("allow")).toBe("POST, GET");
    });

    test("a malformed activity id → 404 activity_not_found", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      const response = await request("/v1/activities/not-an-id", { headers: { Authorization: `Bearer ${key}` } });
      await expectError(response, 404, "activity_not_found", "id");
    });
  });
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { child: value };
  return value;
}

/** The seeded demo workspace (supabase/seed.sql): the doc's ids. */
const DEMO: Workspace = {
  workspaceId: DEMO_WORKSPACE_ID,
  userId: DEMO_USER_ID,
  contactId: DEMO_CONTACT_ID,
  dealId: DEMO_DEAL_ID,
};
