// The fetch-level contract of the timeline reads: GET /v1/activities and the contact's and the
// deal's timelines — filters, keyset pages under concurrent writes, cursors that must come from
// the same listing, and the shared key and tenant checks. Run by every target (*.test.ts in this
// folder) like activities.contract.ts, and every response is checked against the OpenAPI
// document the target serves.

import { describe, expect, test } from "vitest";
import type { ActivityResponse } from "../../functions/api-gateway/routes/activities/schema.ts";
import type { ActivityList } from "../../functions/api-gateway/routes/activities/timeline.ts";
import type { ErrorBody } from "../../functions/_shared/errors.ts";
import type { Workspace } from "../support/fixtures.ts";
import { checkedAgainstServedDocument } from "../support/openapi-responses.ts";
import { expectApiError } from "./expect-error.ts";
import type { ContractTarget } from "./activities.contract.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 3, 17, 14, 0, seconds)).toISOString();

/** ids sorted as the API pages them: newest first, ties by id descending. */
const newestFirst = (rows: Array<{ id: string; createdAt: string }>) =>
  [...rows].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).map((row) => row.id);

export function describeTimelineContract(name: string, target: () => ContractTarget): void {
  /** target().request, checked against the document the target itself serves. */
  const request: ContractTarget["request"] = checkedAgainstServedDocument(target);
  const get = (key: string | null, path: string) => request(path, { headers: key === null ? {} : { Authorization: `Bearer ${key}` } });

  async function list(key: string, path: string): Promise<ActivityList> {
    const response = await get(key, path);
    const text = await response.text();
    expect(response.status, `${path}: ${text}`).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = JSON.parse(text) as ActivityList;
    expect(Object.keys(body)).toEqual(["data", "has_more", "next_cursor"]);
    expect(Object.keys(body.data)).toEqual(["activities"]);
    return body;
  }
  const ids = (page: ActivityList) => page.data.activities.map((activity) => activity.id);

  /** Every page of `path` (which has its own query), following next_cursor. */
  async function allPages(key: string, path: string): Promise<ActivityList[]> {
    const pages: ActivityList[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(key, cursor === null ? path : `${path}&starting_after=${cursor}`);
      pages.push(page);
      cursor = page.next_cursor;
    } while (cursor !== null && pages.length < 50);
    return pages;
  }

  const expectError = expectApiError;

  const post = async (key: string, body: unknown) => {
    const response = await request("/v1/activities", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as ActivityResponse).data.activity;
  };

  const timelines = (ws: Workspace) => [
    `/v1/activities?`,
    `/v1/contacts/${ws.contactId}/activities?`,
    `/v1/deals/${ws.dealId}/activities?`,
  ];

  describe(`${name}: timeline reads — pages`, () => {
    test("an empty workspace: no activities, has_more false, next_cursor null", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws, { scopes: ["activities:read"] });
      for (const path of timelines(ws)) {
        expect(await list(key, path)).toEqual({ data: { activities: [] }, has_more: false, next_cursor: null });
      }
    });

    test("a read sees the caller's own writes at once, newest first, each exactly as POST returned it", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const created = [];
      for (const type of ["call", "email", "meeting"]) {
        created.push(await post(key, { type, title: `A ${type}`, contact_id: ws.contactId, deal_id: ws.dealId, metadata: { n: 1 } }));
        const page = await list(key, "/v1/activities");
        expect(page.data.activities[0]).toEqual(created.at(-1));
      }
      for (const path of timelines(ws)) {
        const page = await list(key, path);
        expect(page.data.activities).toEqual([...created].reverse());
        expect(page).toMatchObject({ has_more: false, next_cursor: null });
      }
    });

    test("pages follow (created time, id) newest first; ties in time are cut by id; every row once", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const times = [at(1), at(2), at(2), at(2), at(3), at(4), at(4)];
      const rowIds = await fixtures.activities(ws, times.map((createdAt) => ({ createdAt, contactId: ws.contactId })));
      const expected = newestFirst(rowIds.map((id, i) => ({ id, createdAt: times[i]! })));
      const key = await fixtures.key(ws, { scopes: ["activities:read"] });
      for (const path of [`/v1/activities?limit=3`, `/v1/contacts/${ws.contactId}/activities?limit=3`]) {
        const pages = await allPages(key, path);
        expect(pages.map(ids)).toEqual([expected.slice(0, 3), expected.slice(3, 6), expected.slice(6)]);
        expect(pages.map((page) => page.has_more)).toEqual([true, true, false]);
        expect(pages.map((page) => page.next_cursor)).toEqual([expected[2], expected[5], null]);
      }
      // A page that ends exactly at the last row says so.
      expect(await list(key, `/v1/activities?limit=7`)).toMatchObject({ has_more: false, next_cursor: null });
      // The default page is 25; the cursor is read in any case and without its prefix.
      expect(ids(await list(key, "/v1/activities"))).toEqual(expected);
      const bare = expected[2]!.slice(4).toUpperCase();
      expect(ids(await list(key, `/v1/activities?limit=3&starting_after=${bare}`))).toEqual(expected.slice(3, 6));
      expect(ids(await list(key, `/v1/activities?limit=3&starting_after=${expected[2]!.toUpperCase()}`))).toEqual(expected.slice(3, 6));
    });

    test("no row is skipped or repeated across pages while other writes land concurrently", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const existing = await fixtures.activities(ws, Array.from({ length: 12 }, (_, i) => ({ createdAt: at(i), contactId: ws.contactId })));
      const reader = await fixtures.key(ws, { scopes: ["activities:read"] });
      const writer = await fixtures.key(ws, { scopes: ["activities:write"] });
      // Writes race the paging: new activities on the same contact, some sent before each page.
      const writes = (async () => {
        for (let i = 0; i < 8; i++) await post(writer, { type: "note", contact_id: ws.contactId });
      })();
      const pages: ActivityList[] = [];
      let cursor: string | null = null;
      do {
        const path = `/v1/contacts/${ws.contactId}/activities?limit=2${cursor === null ? "" : `&starting_after=${cursor}`}`;
        pages.push(await list(reader, path));
        cursor = pages.at(-1)!.next_cursor;
      } while (cursor !== null && pages.length < 20);
      await writes;
      const seen = pages.flatMap(ids);
      expect(new Set(seen).size, "an activity was listed twice").toBe(seen.length);
      for (const id of existing) expect(seen.filter((x) => x === id), `${id} was skipped`).toHaveLength(1);
      const times = pages.flatMap((page) => page.data.activities.map((activity) => activity.created_date));
      expect(times).toEqual([...times].sort().reverse());
      // Whatever the reader missed of the concurrent writes is on a fresh first page.
      expect(ids(await list(reader, `/v1/contacts/${ws.contactId}/activities?limit=100`))).toHaveLength(20);
    });
  });

  describe(`${name}: timeline reads — filters`, () => {
    test("contact_id, deal_id, entity, type (repeated or comma-separated) and a time window, alone and together", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const other = crypto.randomUUID();
      const entity = crypto.randomUUID();
      const [onContact, onDeal, onBoth, aboutEntity, email, late] = await fixtures.activities(ws, [
        { type: "call", contactId: ws.contactId, createdAt: at(10) },
        { type: "call", dealId: ws.dealId, createdAt: at(20) },
        { type: "meeting", contactId: ws.contactId, dealId: ws.dealId, createdAt: at(30) },
        { type: "note", entityType: "campaign", entityId: entity, createdAt: at(40) },
        { type: "email", entityType: "campaign", entityId: other, createdAt: at(50) },
        { type: "call", contactId: ws.contactId, createdAt: at(59) },
      ]);
      // Two keys: the cases outnumber one key's rate limit.
      const keys = [await fixtures.key(ws, { scopes: ["activities:read"] }), await fixtures.key(ws, { scopes: ["activities:read"] })];
      const cases: Array<[string, Array<string | undefined>]> = [
        [`contact_id=${ws.contactId}`, [late, onBoth, onContact]],
        [`contact_id=${ws.contactId.toUpperCase()}`, [late, onBoth, onContact]],
        [`deal_id=${ws.dealId}`, [onBoth, onDeal]],
        [`contact_id=${ws.contactId}&deal_id=${ws.dealId}`, [onBoth]],
        [`entity_type=campaign&entity_id=${entity.toUpperCase()}`, [aboutEntity]],
        [`entity_type=task&entity_id=${entity}`, []],
        ["type=call", [late, onDeal, onContact]],
        ["type=call&type=email", [late, email, onDeal, onContact]],
        ["type=call,email", [late, email, onDeal, onContact]],
        [`created_after=${at(20)}&created_before=${at(50)}`, [aboutEntity, onBoth]],
        // The same instants at another offset; a `+` left unencoded arrives as a space and means `+`.
        ["created_after=2026-04-17T15:00:20%2B01:00&created_before=2026-04-17T09:30:50-04:30", [aboutEntity, onBoth]],
        ["created_after=2026-04-17T15:00:20+01:00", [late, email, aboutEntity, onBoth]],
        ["created_after=2026-04-17t14:00:29.999999z", [late, email, aboutEntity, onBoth]],
        [`type=call&contact_id=${ws.contactId}&created_before=${at(59)}`, [onContact]],
        [`contact_id=${crypto.randomUUID()}`, []],
      ];
      for (const [i, [query, expected]] of cases.entries()) {
        expect(ids(await list(keys[i % 2]!, `/v1/activities?${query}`)), query).toEqual(expected);
      }
      const key = keys[0]!;
      expect(ids(await list(key, `/v1/contacts/${ws.contactId.toUpperCase()}/activities?type=meeting`))).toEqual([onBoth]);
      expect(ids(await list(key, `/v1/deals/${ws.dealId}/activities?created_before=${at(30)}`))).toEqual([onDeal]);
    });

    test.each([
      ["contact_id=123", "contact_id"],
      ["deal_id=act_3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a", "deal_id"],
      ["entity_type=campaign&entity_id=cmp_42", "entity_id"],
      ["entity_type=campaign", "entity_id"],
      [`entity_id=${"3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a"}`, "entity_type"],
      ["entity_type=has%20space&entity_id=3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a", "entity_type"],
      ["type=phone%20call", "type"],
      ["type=", "type"],
      ["type=call,,email", "type"],
      [`type=${Array.from({ length: 21 }, (_, i) => `t${i}`).join(",")}`, "type"],
      ["created_after=yesterday", "created_after"],
      ["created_after=2026-04-17", "created_after"],
      ["created_after=2026-02-29T00:00:00Z", "created_after"],
      ["created_before=2026-04-17T24:00:00Z", "created_before"],
      ["created_before=2026-04-17T14:23:05", "created_before"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=ten", "limit"],
      ["limit=2.5", "limit"],
      ["limit=-1", "limit"],
      ["starting_after=nope", "starting_after"],
      ["starting_after=we_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d", "starting_after"],
    ])("?%s → 400 invalid_field naming %s", async (query, param) => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws, { scopes: ["activities:read"] });
      await expectError(await get(key, `/v1/activities?${query}`), 400, "invalid_field", param);
    });

    test("a cursor from another workspace, another listing or nowhere is refused alike, never a leak", async () => {
      const { fixtures } = target();
      const mine = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      const [myCall, myNote] = await fixtures.activities(mine, [
        { type: "call", contactId: mine.contactId, createdAt: at(1) },
        { type: "note", createdAt: at(2) },
      ]);
      const [theirActivity] = await fixtures.activities(theirs, [{ contactId: theirs.contactId, createdAt: at(1) }]);
      const key = await fixtures.key(mine, { scopes: ["activities:read"] });
      const messages = new Set<string>();
      for (const path of [
        `/v1/activities?starting_after=${theirActivity}`,
        `/v1/activities?starting_after=act_${crypto.randomUUID()}`,
        `/v1/activities?contact_id=${mine.contactId}&starting_after=${myNote}`,
        `/v1/contacts/${mine.contactId}/activities?starting_after=${myNote}`,
        `/v1/deals/${mine.dealId}/activities?starting_after=${myCall}`,
        `/v1/activities?type=note&starting_after=${myCall}`,
        `/v1/activities?created_before=${at(2)}&starting_after=${myNote}`,
      ]) {
        const refused = await expectError(await get(key, path), 400, "invalid_field", "starting_after");
        messages.add(refused.error.message);
      }
      expect(messages.size).toBe(1);
      // The same cursors are good in their own listing.
      expect(ids(await list(key, `/v1/activities?starting_after=${myNote}`))).toEqual([myCall]);
      expect(ids(await list(key, `/v1/contacts/${mine.contactId}/activities?starting_after=${myCall}`))).toEqual([]);
    });
  });

  describe(`${name}: timeline reads — keys and tenants`, () => {
    test("no key, a malformed, unknown, expired or revoked key → 401 invalid_key on every listing", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      const expired = await fixtures.key(ws);
      await fixtures.expireKey(expired);
      const revoked = await fixtures.key(ws, { revoked: true });
      // Keys the database refuses count against the client's refused-key limit: one such key per listing.
      const refusedByDatabase = [`wbk_${"0".repeat(64)}`, expired, revoked];
      for (const [i, path] of timelines(ws).entries()) {
        for (const key of [null, "wbk_short", refusedByDatabase[i]!]) {
          const response = await get(key, path);
          await expectError(response, 401, "invalid_key");
          expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
        }
      }
    });

    test("a key without activities:read (write-only, webhooks) → 403 insufficient_permissions on every listing", async () => {
      const { fixtures } = target();
      const ws = await fixtures.workspace();
      for (const scopes of [["activities:write"], ["webhooks:read", "webhooks:write"]] as const) {
        const key = await fixtures.key(ws, { scopes: [...scopes] });
        for (const path of timelines(ws)) await expectError(await get(key, path), 403, "insufficient_permissions");
      }
    });

    test("another workspace's contact or deal answers exactly like a missing one (404); its activities are never listed", async () => {
      const { fixtures } = target();
      const mine = await fixtures.workspace();
      const theirs = await fixtures.workspace();
      await fixtures.activities(theirs, [{ contactId: theirs.contactId, dealId: theirs.dealId }]);
      const key = await fixtures.key(mine, { scopes: ["activities:read"] });
      const strip = (body: ErrorBody) => ({ ...body.error, request_id: undefined, message: body.error.message.replace(/"[^"]*"|[0-9a-f-]{36}/g, "ID") });
      for (const [kind, theirId, param] of [["contacts", theirs.contactId, "contact_id"], ["deals", theirs.dealId, "deal_id"]] as const) {
        const code = kind === "contacts" ? "contact_not_found" : "deal_not_found";
        const foreign = await expectError(await get(key, `/v1/${kind}/${theirId}/activities`), 404, code, param);
        const missing = await expectError(await get(key, `/v1/${kind}/${crypto.randomUUID()}/activities`), 404, code, param);
        const malformed = await expectError(await get(key, `/v1/${kind}/not-a-uuid/activities`), 404, code, param);
        expect(strip(foreign)).toEqual(strip(missing));
        expect(strip(malformed)).toEqual(strip(missing));
      }
      expect(ids(await list(key, `/v1/activities?contact_id=${theirs.contactId}`))).toEqual([]);
      expect(ids(await list(key, `/v1/activities?deal_id=${theirs.dealId}`))).toEqual([]);
      expect(ids(await list(key, "/v1/activities"))).toEqual([]);
    });
  });
}
