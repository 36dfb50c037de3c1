// The fetch-level contract of changing activities (issue 10): POST /v1/activities/batch,
// PATCH and DELETE /v1/activities/{id}, the activity.created/updated/deleted events they queue,
// and the key and tenant checks every one of them must pass. Like activities.contract.ts it
// knows nothing of the runtime behind it (each *.test.ts in this folder runs it against one
// target), checks every response against the OpenAPI document the target serves, and reads the
// database only as the owner, through the fixtures.

import { describe, expect, test } from "vitest";
import type { ErrorBody } from "../../functions/_shared/errors.ts";
import type { BatchResponse } from "../../functions/api-gateway/routes/activities/change-schema.ts";
import { batchBodyLimit } from "../../functions/api-gateway/routes/activities/change-schema.ts";
import type { Activity, ActivityResponse } from "../../functions/api-gateway/routes/activities/schema.ts";
import type { Workspace } from "../support/fixtures.ts";
import { checkedAgainstServedDocument } from "../support/openapi-responses.ts";
import { expectApiError } from "./expect-error.ts";
import type { ContractTarget } from "./activities.contract.ts";

const ACTIVITY_KEYS = [
  "id", "type", "title", "description", "contact_id", "deal_id", "entity_type", "entity_id",
  "entity_name", "metadata", "created_by_user_id", "created_date",
];

interface QueuedEvent {
  type: string;
  payload: { type: string; timestamp: string; data: { activity: Activity; previous_attributes?: Record<string, unknown> } };
}

export function describeActivityChangesContract(name: string, target: () => ContractTarget): void {
  /** target().request, checked against the document the target itself serves. */
  const request: ContractTarget["request"] = checkedAgainstServedDocument(target);

  const send = (method: string, path: string, key: string | null, body?: unknown) =>
    request(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(key === null ? {} : { Authorization: `Bearer ${key}` }),
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const batch = (key: string | null, body: unknown, headers: Record<string, string> = {}) =>
    request("/v1/activities/batch", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(key === null ? {} : { Authorization: `Bearer ${key}` }), ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const patch = (key: string | null, id: string, body: unknown) => send("PATCH", `/v1/activities/${id}`, key, body);
  const remove = (key: string | null, id: string) => send("DELETE", `/v1/activities/${id}`, key);
  const get = (key: string, id: string) => send("GET", `/v1/activities/${id}`, key);

  async function create(key: string, body: Record<string, unknown>): Promise<Activity> {
    const response = await send("POST", "/v1/activities", key, body);
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as ActivityResponse).data.activity;
  }

  const expectError = expectApiError;

  /** The stored activity as the owner sees it through the API's own shape, or null when gone. */
  async function stored(id: string): Promise<Record<string, unknown> | null> {
    const [row] = await target().fixtures.db.query<{ activity: Record<string, unknown> | string }>(
      "select app_private.activity_json(a) as activity from app.activities a where a.id = $1",
      [id.slice(4)],
    );
    if (!row) return null;
    return typeof row.activity === "string" ? JSON.parse(row.activity) : row.activity;
  }

  /** Subscribes an endpoint of `ws` to every event type, as the owner (no delivery is expected). */
  async function subscribe(ws: Workspace): Promise<void> {
    await target().fixtures.db.query(
      "insert into app.webhook_endpoints (workspace_id, url, events) values ($1, 'https://hooks.example.invalid/activities', array['*'])",
      [ws.workspaceId],
    );
  }

  /** The events queued for `ws`, oldest first (events of one transaction in the order they were queued). */
  async function events(ws: Workspace): Promise<QueuedEvent[]> {
    const rows = await target().fixtures.db.query<{ type: string; payload: string }>(
      "select type, payload from app.webhook_events where workspace_id = $1 order by created_at, ctid",
      [ws.workspaceId],
    );
    return rows.map((row) => ({ type: row.type, payload: JSON.parse(row.payload) }));
  }

  async function unchanged(ws: Workspace, attempt: () => Promise<void>): Promise<void> {
    const count = await target().fixtures.activityCount(ws);
    const before = await events(ws);
    await attempt();
    expect(await target().fixtures.activityCount(ws)).toBe(count);
    expect(await events(ws)).toEqual(before);
  }

  describe(`${name}: POST /v1/activities/batch`, () => {
    test("201 with every activity in request order, each as POST returns it and GET reads it; one activity.created each, in order", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const items = [
        { type: "call", title: "First", contact_id: ws.contactId, deal_id: ws.dealId, metadata: { duration_minutes: 32, direction: "outbound" } },
        { type: "note" },
        { type: "task_completed", entity_type: "task", entity_id: "5b0e2a4c-8d1f-4e6a-9c3b-7f2d1e0a9b8c", entity_name: "Send proposal", description: "**done**" },
      ];
      const response = await batch(key, { activities: items });
      const text = await response.text();
      expect(response.status, text).toBe(201);
      const body = JSON.parse(text) as BatchResponse;
      expect(Object.keys(body.data)).toEqual(["activities"]);
      expect(body.data.activities).toHaveLength(3);
      body.data.activities.forEach((activity, i) => {
        expect(Object.keys(activity)).toEqual(ACTIVITY_KEYS);
        expect(activity).toMatchObject({ title: null, description: null, contact_id: null, deal_id: null, metadata: null, ...items[i], created_by_user_id: ws.userId });
      });
      for (const activity of body.data.activities) {
        const read = await get(key, activity.id);
        expect(((await read.json()) as ActivityResponse).data.activity).toEqual(activity);
      }
      const queued = await events(ws);
      expect(queued.map((event) => event.type)).toEqual(["activity.created", "activity.created", "activity.created"]);
      expect(queued.map((event) => event.payload.data.activity)).toEqual(body.data.activities);
      // The timeline lists a batch in the order it was sent.
      const order = await fixtures.db.query<{ id: string }>(
        "select 'act_' || id as id from app.activities where workspace_id = $1 order by created_at",
        [ws.workspaceId],
      );
      expect(order.map((row) => row.id)).toEqual(body.data.activities.map((activity) => activity.id));
    });

    test("metadata comes back exactly as sent (key order, integer-like keys, numbers), in the answer, a read and the event; entity_id lower case", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const metadata = '{"b":1,"2":"two","a":{"z":1.50,"1":true},"1":-0}';
      const raw = `{"activities":[{"type":"note"},{"type":"call","entity_type":"task","entity_id":"5B0E2A4C-8D1F-4E6A-9C3B-7F2D1E0A9B8C","metadata":${metadata}}]}`;
      const response = await batch(key, raw);
      const text = await response.text();
      expect(response.status, text).toBe(201);
      expect(text).toContain(`"metadata":${metadata}`);
      const created = (JSON.parse(text) as BatchResponse).data.activities[1]!;
      expect(created.entity_id).toBe("5b0e2a4c-8d1f-4e6a-9c3b-7f2d1e0a9b8c");
      expect(await (await get(key, created.id)).text()).toContain(`"metadata":${metadata}`);
      const [, event] = await fixtures.db.query<{ payload: string }>(
        "select payload from app.webhook_events where workspace_id = $1 order by created_at, ctid",
        [ws.workspaceId],
      );
      expect(event!.payload.replace(/\s/g, "")).toContain(`"metadata":${metadata}`);
      const replaced = '{"y":2,"10":"ten","x":1e2}';
      const patched = await patch(key, created.id, `{"metadata":${replaced}}`);
      expect(await patched.text()).toContain(`"metadata":${replaced}`);
      const updated = (await events(ws)).find((queued) => queued.type === "activity.updated")!;
      expect(updated.payload.data.previous_attributes).toEqual({ metadata: JSON.parse(metadata) });
    });

    test("Idempotency-Key: a retry answers the first response again and writes nothing; another batch under the key → 422; a refused batch stores nothing", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const idempotency = { "Idempotency-Key": `batch-${crypto.randomUUID()}` };
      const body = { activities: [{ type: "call", metadata: { b: 1, a: 2 } }, { type: "note", contact_id: ws.contactId }] };
      const first = await batch(key, body, idempotency);
      const firstText = await first.text();
      expect(first.status, firstText).toBe(201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      await unchanged(ws, async () => {
        const again = await batch(key, body, idempotency);
        expect(again.status).toBe(201);
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        expect(await again.text()).toBe(firstText);
        await expectError(await batch(key, { activities: [{ type: "call" }] }, idempotency), 422, "idempotency_key_reused", "Idempotency-Key");
      });
      expect(await fixtures.activityCount(ws)).toBe(2);
      // A batch refused by its checks is not remembered: corrected, it proceeds under the same key.
      const other = { "Idempotency-Key": `batch-${crypto.randomUUID()}` };
      await expectError(await batch(key, { activities: [{ type: "call" }, { type: "call", metadata: [] }] }, other), 400, "invalid_field", "activities[1].metadata");
      const corrected = await batch(key, { activities: [{ type: "call" }, { type: "call", metadata: {} }] }, other);
      expect(corrected.status).toBe(201);
      expect(corrected.headers.get("idempotent-replayed")).toBeNull();
      expect(await fixtures.activityCount(ws)).toBe(4);
    });

    test("100 activities in one request; it counts as one request against the rate limit", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const first = await batch(key, { activities: [{ type: "note" }] });
      expect(first.status).toBe(201);
      const hundred = await batch(key, { activities: Array.from({ length: 100 }, (_, i) => ({ type: "note", title: `Step ${i}` })) });
      expect(hundred.status).toBe(201);
      const body = (await hundred.json()) as BatchResponse;
      expect(body.data.activities.map((activity) => activity.title)).toEqual(Array.from({ length: 100 }, (_, i) => `Step ${i}`));
      expect(Number(hundred.headers.get("ratelimit-remaining"))).toBe(Number(first.headers.get("ratelimit-remaining")) - 1);
      expect(await fixtures.activityCount(ws)).toBe(101);
    });

    test.each([
      ["an empty list", { activities: [] }, "invalid_field", "activities"],
      ["101 activities", { activities: Array.from({ length: 101 }, () => ({ type: "note" })) }, "invalid_field", "activities"],
      ["activities not a list", { activities: { type: "note" } }, "invalid_field", "activities"],
      ["no activities", {}, "missing_required_field", "activities"],
      ["an unknown top-level field", { activities: [{ type: "note" }], dry_run: true }, "invalid_field", "dry_run"],
      ["an item that is not an object", { activities: [{ type: "note" }, "note"] }, "invalid_field", "activities[1]"],
      ["an item without type", { activities: [{ type: "note" }, { title: "x" }] }, "missing_required_field", "activities[1].type"],
      ["an item with type null", { activities: [{ type: null }] }, "missing_required_field", "activities[0].type"],
      ["an item's metadata over 8 KB", { activities: [{ type: "a" }, { type: "b" }, { type: "c" }, { type: "d", metadata: { note: "x".repeat(8200) } }] }, "metadata_too_large", "activities[3].metadata"],
      ["an item's metadata an array", { activities: [{ type: "a" }, { type: "b", metadata: [1] }] }, "invalid_field", "activities[1].metadata"],
      ["an item's unknown field", { activities: [{ type: "a", owner: "x" }] }, "invalid_field", "activities[0].owner"],
      ["an item's entity_id without entity_type", { activities: [{ type: "a" }, { type: "b", entity_id: "6c1f3b5d-9e2a-4f7b-8d4c-8a3e2f1b0c9d" }] }, "invalid_field", "activities[1].entity_type"],
      ["the first of two bad items", { activities: [{ type: "a", title: 5 }, { type: "" }] }, "invalid_field", "activities[0].title"],
    ])("%s → 400, nothing written", async (_label, body, code, param) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      await unchanged(ws, async () => {
        await expectError(await batch(key, body), 400, code, param);
      });
    });

    test("another workspace's contact or deal in item 2 → 404 naming it; nothing written, no event", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const good = { type: "note", contact_id: ws.contactId, deal_id: ws.dealId };
      await unchanged(ws, async () => {
        await expectError(await batch(key, { activities: [good, good, { type: "call", contact_id: theirs.contactId }] }), 404, "contact_not_found", "activities[2].contact_id");
        await expectError(await batch(key, { activities: [good, good, { type: "call", deal_id: theirs.dealId }, { type: "call", contact_id: crypto.randomUUID() }] }), 404, "deal_not_found", "activities[2].deal_id");
        await expectError(await batch(key, { activities: [good, { type: "call", contact_id: crypto.randomUUID() }] }), 404, "contact_not_found", "activities[1].contact_id");
      });
    });

    test("the route's body limit is raised for 100 maximal items: a body POST /v1/activities refuses (413) is accepted here", async () => {
      const { fixtures, bodyLimitBytes } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const description = "🙂".repeat(Math.ceil((2 * bodyLimitBytes) / 100 / 4));
      const large = { activities: Array.from({ length: 100 }, () => ({ type: "note", description })) };
      expect(new TextEncoder().encode(JSON.stringify(large)).byteLength).toBeGreaterThan(bodyLimitBytes);
      expect(batchBodyLimit(bodyLimitBytes)).toBeGreaterThan(100 * 270_000);
      // The batch first: a 413 answered before its body was read ends that connection, and a
      // client that reuses it for the next request may see the reset (workerd, now and then).
      expect((await batch(key, large)).status).toBe(201);
      await expectError(await send("POST", "/v1/activities", key, { type: "note", description: "🙂".repeat(Math.ceil(bodyLimitBytes / 4)) }), 413, "payload_too_large");
      // Past the batch's own limit (~28 MB) is 413 too: checked in-process (in-process-pglite.test.ts),
      // where sending that much cannot end in a connection reset instead of the answer.
    });
  });

  describe(`${name}: PATCH /v1/activities/{id}`, () => {
    test("200 with the activity as GET returns it; activity.updated with the old values of exactly what changed", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const created = await create(key, { type: "call", title: "Discovery call", contact_id: ws.contactId, deal_id: ws.dealId, metadata: { a: 1 } });
      const response = await patch(key, created.id, { title: "Discovery call with Jane", deal_id: null, metadata: { b: 2 }, type: "call" });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const { activity } = (JSON.parse(text) as ActivityResponse).data;
      expect(activity).toEqual({ ...created, title: "Discovery call with Jane", deal_id: null, metadata: { b: 2 } });
      expect(((await (await get(key, created.id)).json()) as ActivityResponse).data.activity).toEqual(activity);
      const updated = (await events(ws)).filter((event) => event.type === "activity.updated");
      expect(updated).toHaveLength(1);
      expect(updated[0]!.payload.type).toBe("activity.updated");
      expect(updated[0]!.payload.data.activity).toEqual(activity);
      expect(updated[0]!.payload.data.previous_attributes).toEqual({ title: "Discovery call", deal_id: ws.dealId, metadata: { a: 1 } });
    });

    test("null clears an optional field; metadata is replaced whole; entities change as a pair", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const created = await create(key, { type: "note", title: "t", description: "d", entity_type: "task", entity_id: "5b0e2a4c-8d1f-4e6a-9c3b-7f2d1e0a9b8c", entity_name: "Task", metadata: { keep: 1, drop: 2 } });
      const cleared = await patch(key, created.id, { title: null, entity_type: null, entity_id: null, metadata: { keep: 1 } });
      expect(cleared.status).toBe(200);
      expect(((await cleared.json()) as ActivityResponse).data.activity).toMatchObject({ title: null, description: "d", entity_type: null, entity_id: null, entity_name: "Task", metadata: { keep: 1 } });
      const cleanedUp = await patch(key, created.id, { metadata: null });
      expect(((await cleanedUp.json()) as ActivityResponse).data.activity.metadata).toBeNull();
    });

    test("an update that changes nothing answers the activity and fires nothing", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const created = await create(key, { type: "call", title: "Same", metadata: { a: 1 } });
      await unchanged(ws, async () => {
        const response = await patch(key, created.id, { title: "Same", type: "call", metadata: { a: 1 } });
        expect(response.status).toBe(200);
        expect(((await response.json()) as ActivityResponse).data.activity).toEqual(created);
      });
    });

    test.each([
      ["an empty body", {}, 400, "invalid_field", undefined],
      ["type null (type cannot be cleared)", { type: null }, 400, "missing_required_field", "type"],
      ["type invalid", { type: "phone call" }, 400, "invalid_field", "type"],
      ["title over 500 code points", { title: "🙂".repeat(501) }, 400, "invalid_field", "title"],
      ["metadata over 8 KB", { metadata: { note: "x".repeat(8200) } }, 400, "metadata_too_large", "metadata"],
      ["metadata an array", { metadata: [] }, 400, "invalid_field", "metadata"],
      ["an unknown field", { created_by_user_id: "x" }, 400, "invalid_field", "created_by_user_id"],
      ["entity_id while the activity has no entity_type", { entity_id: "6c1f3b5d-9e2a-4f7b-8d4c-8a3e2f1b0c9d" }, 400, "invalid_field", "entity_type"],
      ["entity_id not a UUID", { entity_type: "task", entity_id: "T-9" }, 400, "invalid_field", "entity_id"],
      ["a JSON array body", "[]", 400, "invalid_json", undefined],
    ])("%s → refused with its code, nothing changed", async (_label, body, status, code, param) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const created = await create(key, { type: "call", title: "Before" });
      await unchanged(ws, async () => {
        await expectError(await patch(key, created.id, body), status, code, param);
      });
      expect(await stored(created.id)).toEqual(created);
    });

    test("another workspace's contact or deal → 404 contact_not_found / deal_not_found, nothing changed", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const created = await create(key, { type: "call" });
      await expectError(await patch(key, created.id, { contact_id: theirs.contactId }), 404, "contact_not_found", "contact_id");
      await expectError(await patch(key, created.id, { deal_id: crypto.randomUUID() }), 404, "deal_not_found", "deal_id");
      expect(await stored(created.id)).toEqual(created);
    });

    test("a write-only key changes the activity and gets 204: it is not shown what it may not read", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const writer = await fixtures.key(ws);
      const created = await create(writer, { type: "call", title: "Secret title", description: "written by someone else" });
      const writeOnly = await fixtures.key(ws, { scopes: ["activities:write"] });
      const response = await patch(writeOnly, created.id, { type: "call" });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe("");
      const changed = await patch(writeOnly, created.id, { title: "Fixed" });
      expect(changed.status).toBe(204);
      expect(await stored(created.id)).toEqual({ ...created, title: "Fixed" });
      expect((await events(ws)).filter((event) => event.type === "activity.updated")).toHaveLength(1);
    });
  });

  describe(`${name}: DELETE /v1/activities/{id}`, () => {
    test("204; gone from every read at once; again → 404; activity.deleted carries it as it was", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const key = await fixtures.key(ws);
      const created = await create(key, { type: "call", title: "Mistake", contact_id: ws.contactId, metadata: { x: 1 } });
      const response = await remove(key, created.id);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe("");
      await expectError(await get(key, created.id), 404, "activity_not_found", "id");
      expect(await stored(created.id)).toBeNull();
      await expectError(await remove(key, created.id), 404, "activity_not_found", "id");
      await expectError(await patch(key, created.id, { title: "x" }), 404, "activity_not_found", "id");
      const deleted = (await events(ws)).filter((event) => event.type === "activity.deleted");
      expect(deleted.map((event) => event.payload.data)).toEqual([{ activity: created }]);
    });

    test("a write-only key may delete", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const created = await create(await fixtures.key(ws), { type: "note" });
      expect((await remove(await fixtures.key(ws, { scopes: ["activities:write"] }), created.id)).status).toBe(204);
      expect(await stored(created.id)).toBeNull();
    });
  });

  describe(`${name}: keys and tenants on batch, PATCH and DELETE`, () => {
    /** Each new route as a call with `key` on an activity id of the key's workspace. */
    const routes: Array<[string, (key: string | null, id: string) => Promise<Response>]> = [
      ["POST /v1/activities/batch", (key) => batch(key, { activities: [{ type: "note" }] })],
      ["PATCH /v1/activities/{id}", (key, id) => patch(key, id, { title: "changed" })],
      ["DELETE /v1/activities/{id}", (key, id) => remove(key, id)],
    ];

    test.each(routes)("%s: no key, an unknown key, an expired or revoked key → 401; a read-only key → 403; nothing changes", async (_route, call) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      await subscribe(ws);
      const created = await create(await fixtures.key(ws), { type: "call", title: "Keep" });
      const expired = await fixtures.key(ws);
      await fixtures.expireKey(expired);
      await unchanged(ws, async () => {
        await expectError(await call(null, created.id), 401, "invalid_key");
        await expectError(await call(`wbk_${"0".repeat(64)}`, created.id), 401, "invalid_key");
        await expectError(await call(expired, created.id), 401, "invalid_key");
        await expectError(await call(await fixtures.key(ws, { revoked: true }), created.id), 401, "invalid_key");
        await expectError(await call(await fixtures.key(ws, { scopes: ["activities:read"] }), created.id), 403, "insufficient_permissions");
        await expectError(await call(await fixtures.key(ws, { scopes: ["webhooks:write"] }), created.id), 403, "insufficient_permissions");
      });
      expect(await stored(created.id)).toEqual(created);
    });

    test.each(routes.slice(1))("%s on another workspace's activity → 404 identical to a missing one; nothing changes", async (_route, call) => {
      const { fixtures } = target();
      const mine = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      await subscribe(theirs);
      const created = await create(await fixtures.key(theirs), { type: "call", title: "Theirs" });
      for (const key of [await fixtures.key(mine), await fixtures.key(mine, { scopes: ["activities:write"] })]) {
        await unchanged(theirs, async () => {
          const other = await expectError(await call(key, created.id), 404, "activity_not_found", "id");
          const missingId = `act_${crypto.randomUUID()}`;
          const missing = await expectError(await call(key, missingId), 404, "activity_not_found", "id");
          expect(other.error.message.replace(created.id, "ID")).toBe(missing.error.message.replace(missingId, "ID"));
        });
      }
      expect(await stored(created.id)).toEqual(created);
    });

    test("a malformed id → 404 activity_not_found on PATCH and DELETE; GET /v1/activities/batch is the batch path's 405, not an activity id", async () => {
      const { fixtures } = target();
      const key = await fixtures.key(await fixtures.workspace());
      await expectError(await patch(key, "not-an-id", { title: "x" }), 404, "activity_not_found", "id");
      await expectError(await remove(key, "act_123"), 404, "activity_not_found", "id");
      const getBatch = await get(key, "batch");
      await expectError(getBatch, 405, "method_not_allowed");
      expect(getBatch.headers.get("allow")).toBe("POST");
      const wrongMethod = await send("PUT", "/v1/activities/batch", key, {});
      await expectError(wrongMethod, 405, "method_not_allowed");
      expect(wrongMethod.headers.get("allow")).toBe("POST");
    });
  });
}
