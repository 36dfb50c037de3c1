// Tenant matrix (issue 12): 3 workspaces, each with a key of every scope (one per scope, and one
// with all of them), against every keyed route of the app (its own operation list), over the real
// Node server on PostgreSQL with Redis behind the Upstash client. For every route, caller and
// other workspace: naming the other workspace's resource — in the path, in a paging cursor, in a
// body reference — is answered exactly like naming one that does not exist (status, code,
// message with the id blanked, param), and never 2xx; no 2xx answer (a read, a list page, a
// cursor's next page) holds an id of another workspace; nothing in another workspace changed;
// and each workspace's webhook subscriber got its own workspace's events only.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Workspace } from "../support/fixtures.ts";
import type { NodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { startWebhookSubscriber, waitFor, type WebhookSubscriber } from "../support/webhook-subscriber.ts";
import { API_SCOPES } from "../../functions/api-gateway/operation/declaration.ts";
import { printFigures } from "./support/figures.ts";
import { declaredNames, describeOperation, fillPath, OPERATIONS, type Operation, pathParamNames } from "./support/routes.ts";
import { SecretWatch } from "./support/secrets.ts";
import { type Answer, type ApiClient, type Stack, startStack, subscribe, type WatchedFixtures } from "./support/stack.ts";
import { changes, snapshotTables, unexplained, uuidsIn, type Snapshot } from "./support/writes.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

/** Which resource a path parameter names, by the 404 it answers for an unknown one. */
const KIND_OF_NOT_FOUND: Record<string, Kind> = {
  activity_not_found: "act",
  webhook_endpoint_not_found: "we",
  delivery_not_found: "del",
  contact_not_found: "contact",
  deal_not_found: "deal",
};
type Kind = "act" | "we" | "del" | "contact" | "deal";
const KINDS: Kind[] = ["act", "we", "del", "contact", "deal"];
/** Contacts and deals are named by bare UUIDs; the API's own resources by prefixed ids. */
const BARE: ReadonlySet<Kind> = new Set(["contact", "deal"]);

interface Tenant {
  ws: Workspace;
  /** A key per scope, and `all`. */
  keys: Record<string, string>;
  ids: Record<Kind, string[]>;
  subscriber: WebhookSubscriber;
}

describe.skipIf(!available)("tenant matrix: 3 workspaces × keys of every scope × every route", () => {
  const watch = new SecretWatch();
  let database: TestDatabase;
  let fixtures: WatchedFixtures;
  let stack: Stack;
  let server: NodeServer;
  let api: ApiClient;
  const tenants: Tenant[] = [];
  let before: Snapshot;
  /** Every 2xx answer, with the workspace whose key asked. */
  const successes: Array<{ caller: number; what: string; answer: Answer }> = [];
  const tally = { requests: 0, comparisons: 0, routes: 0 };

  beforeAll(async () => {
    stack = await startStack({
      database: "resilience_tenants",
      name: "the tenant server",
      watch,
      env: {
        RATE_LIMIT_REQUESTS: "1000000",
        RATE_LIMIT_REFUSED_KEYS: "1000",
        WEBHOOKS_ALLOW_INSECURE: "1",
        WEBHOOK_SWEEP_INTERVAL_MS: "200",
      },
    });
    ({ database, fixtures, server, api } = stack);
    for (let t = 0; t < 3; t++) {
      const ws = await fixtures.workspace();
      const keys: Record<string, string> = { all: await fixtures.key(ws, { scopes: [...API_SCOPES] }) };
      for (const scope of API_SCOPES) keys[scope] = await fixtures.key(ws, { scopes: [scope] });
      const subscriber = await startWebhookSubscriber();
      const endpoint = await subscribe(api, keys.all!, subscriber.url, watch);
      subscriber.secrets = [endpoint.secret];
      const activities: string[] = [];
      for (let i = 0; i < 3; i++) {
        const created = await api.call("POST", "/v1/activities", { key: keys.all, body: { type: "note", title: `tenant ${t} #${i}`, contact_id: ws.contactId, deal_id: ws.dealId } });
        activities.push(created.json.data.activity.id);
      }
      await waitFor("the tenant's deliveries", () => subscriber.received.length >= 3);
      const deliveries = await api.call("GET", `/v1/webhook_endpoints/${endpoint.id}/deliveries`, { key: keys.all });
      tenants.push({ ws, keys, subscriber, ids: { act: activities, we: [endpoint.id], del: deliveries.json.data.deliveries.map((d: { id: string }) => d.id), contact: [ws.contactId], deal: [ws.dealId] } });
    }
    before = await snapshotTables(database.admin);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    for (const tenant of tenants) await tenant.subscriber.close();
  });

  const missing = (kind: Kind) => (BARE.has(kind) ? randomUUID() : `${kind}_${randomUUID()}`);

  async function ask(caller: number, key: string, method: string, path: string, body?: unknown): Promise<Answer> {
    tally.requests++;
    const answered = await api.call(method.toUpperCase(), path, { key, body });
    if (answered.status < 300) successes.push({ caller, what: `${method} ${path}`, answer: answered });
    return answered;
  }

  /** What a client can tell apart: status, code, param, and the message with the named ids blanked. */
  const visible = (answered: Answer, ids: string[]) => {
    let message = String(answered.json?.error?.message ?? answered.text);
    for (const id of ids) message = message.replaceAll(id, "<id>");
    return { status: answered.status, code: answered.json?.error?.code, param: answered.json?.error?.param, message };
  };

  const keyed = OPERATIONS.filter((operation) => operation.scope !== null);
  const bodyOf = (operation: Operation, tenant: Tenant | undefined): unknown => {
    if (!operation.body) return undefined;
    const body = { ...(operation.body.example as Record<string, unknown>) };
    if (tenant) {
      if ("contact_id" in body) body.contact_id = tenant.ws.contactId;
      if ("deal_id" in body) body.deal_id = tenant.ws.dealId;
    }
    return body;
  };
  const kindOf = (operation: Operation, param: string): Kind => {
    const code = (operation.params as Record<string, { notFound: { code: string } }> | undefined)?.[param]?.notFound.code;
    const kind = code === undefined ? undefined : KIND_OF_NOT_FOUND[code];
    if (!kind) throw new Error(`${describeOperation(operation)}: {${param}} answers ${code}; tell this test which resource that names`);
    return kind;
  };

  test("another workspace's id is answered exactly like a missing one, on every route, for every key", async () => {
    const differences: string[] = [];
    const compare = async (what: string, caller: number, key: string, operation: Operation, foreign: { path: string; body?: unknown; ids: string[] }, absent: { path: string; body?: unknown; ids: string[] }) => {
      const a = await ask(caller, key, operation.method, foreign.path, foreign.body);
      const b = await ask(caller, key, operation.method, absent.path, absent.body);
      tally.comparisons++;
      const seen = visible(a, [...foreign.ids, ...absent.ids]);
      const expected = visible(b, [...foreign.ids, ...absent.ids]);
      // A 2xx is allowed only where a missing id gets the very same answer (a list filtered by
      // another workspace's contact is as empty as one filtered by a made-up contact).
      if (a.status < 300 && (b.status >= 300 || a.text.replaceAll(foreign.ids[0] ?? "", "<id>") !== b.text.replaceAll(absent.ids[0] ?? "", "<id>")))
        differences.push(`${what}: ${a.status} for another workspace's resource: ${a.text.slice(0, 200)}`);
      else if (JSON.stringify(seen) !== JSON.stringify(expected)) differences.push(`${what}: ${JSON.stringify(seen)} ≠ missing ${JSON.stringify(expected)}`);
    };

    for (const operation of keyed) {
      tally.routes++;
      const params = pathParamNames(operation);
      const queryNames = declaredNames(operation.query);
      for (let c = 0; c < tenants.length; c++) {
        const caller = tenants[c]!;
        for (const [scope, key] of Object.entries(caller.keys)) {
          for (let t = 0; t < tenants.length; t++) {
            if (t === c) continue;
            const other = tenants[t]!;
            const label = (variant: string) => `${describeOperation(operation)} as workspace ${c} (${scope}) naming workspace ${t}'s ${variant}`;
            const own = Object.fromEntries(params.map((p) => [p, caller.ids[kindOf(operation, p)][0]!]));
            // Path: every parameter another workspace's, then each alone among the caller's own.
            if (params.length > 0) {
              const theirs = Object.fromEntries(params.map((p) => [p, other.ids[kindOf(operation, p)][0]!]));
              const none = Object.fromEntries(params.map((p) => [p, missing(kindOf(operation, p))]));
              await compare(label("ids"), c, key, operation, { path: fillPath(operation, theirs), body: bodyOf(operation, caller), ids: Object.values(theirs) }, { path: fillPath(operation, none), body: bodyOf(operation, caller), ids: Object.values(none) });
              if (params.length > 1) {
                for (const p of params) {
                  const foreignOne = { ...own, [p]: theirs[p]! };
                  const missingOne = { ...own, [p]: none[p]! };
                  await compare(label(`{${p}} under its own other ids`), c, key, operation, { path: fillPath(operation, foreignOne), body: bodyOf(operation, caller), ids: [theirs[p]!] }, { path: fillPath(operation, missingOne), body: bodyOf(operation, caller), ids: [none[p]!] });
                }
              }
            }
            if (scope !== "all") continue;
            // Query parameters (paging cursors and any filter): every kind of id, theirs vs none.
            for (const name of queryNames) {
              for (const kind of KINDS) {
                const base = fillPath(operation, own);
                const theirs = other.ids[kind][0]!;
                const none = missing(kind);
                await compare(label(`${kind} id in ?${name}`), c, key, operation, { path: `${base}?${name}=${theirs}`, body: bodyOf(operation, caller), ids: [theirs] }, { path: `${base}?${name}=${none}`, body: bodyOf(operation, caller), ids: [none] });
              }
            }
            // Body references: the other workspace's contact or deal vs a made-up one.
            const body = bodyOf(operation, caller) as Record<string, unknown> | undefined;
            for (const [field, theirs] of [["contact_id", other.ws.contactId], ["deal_id", other.ws.dealId]] as const) {
              if (!body || !(field in body)) continue;
              const none = randomUUID();
              const path = fillPath(operation, own);
              await compare(label(field), c, key, operation, { path, body: { ...body, [field]: theirs }, ids: [theirs] }, { path, body: { ...body, [field]: none }, ids: [none] });
            }
          }
        }
      }
    }
    printFigures("tenant matrix", { workspaces: tenants.length, keys_per_workspace: Object.keys(tenants[0]!.keys).length, keyed_routes: tally.routes, comparisons: tally.comparisons, requests: tally.requests, differences: differences.length });
    expect(differences).toEqual([]);
  }, 300_000);

  test("a workspace's own reads, list pages and cursors hold only its own ids", async () => {
    const reads = keyed.filter((operation) => operation.method === "get");
    let pages = 0;
    for (let c = 0; c < tenants.length; c++) {
      const caller = tenants[c]!;
      for (const operation of reads) {
        const own = Object.fromEntries(pathParamNames(operation).map((p) => [p, caller.ids[kindOf(operation, p)][0]!]));
        const base = fillPath(operation, own);
        const first = await ask(c, caller.keys.all!, "get", base);
        expect(first.status, `${describeOperation(operation)} on the caller's own resource`).toBe(200);
        if (!declaredNames(operation.query).includes("limit")) continue;
        // Page by one through the list, by the cursor the API hands out.
        let path = `${base}?limit=1`;
        for (let page = 0; page < 6; page++) {
          const answered = await ask(c, caller.keys.all!, "get", path);
          pages++;
          expect(answered.status).toBe(200);
          const list = Object.values(answered.json.data as Record<string, unknown>).find(Array.isArray) as Array<{ id: string }>;
          if (!answered.json.has_more || list.length === 0) break;
          const cursor = answered.json.next_cursor ?? list.at(-1)!.id;
          path = `${base}?limit=1&starting_after=${encodeURIComponent(cursor)}`;
        }
      }
    }
    const owner = await ownerOfEveryId();
    const crossings = successes.flatMap(({ caller, what, answer }) =>
      uuidsIn(answer.text)
        .filter((id) => owner.has(id) && owner.get(id) !== tenants[caller]!.ws.workspaceId)
        .map((id) => `${what} as workspace ${caller}: holds ${id} of another workspace`),
    );
    printFigures("tenant matrix reads", { successful_answers: successes.length, list_pages: pages, ids_of_another_workspace: crossings.length });
    expect(crossings).toEqual([]);
  });

  test("no workspace's data changed through another's key; each subscriber got its own events only", async () => {
    const after = await snapshotTables(database.admin);
    const found = changes(before, after);
    const fixtureIds = new Set(tenants.flatMap(({ ws }) => Object.values(ws)));
    const wrong: string[] = [];
    for (let c = 0; c < tenants.length; c++) {
      const mine = found.filter((change) => change.row.includes(tenants[c]!.ws.workspaceId));
      const writes = successes.filter((s) => s.caller === c && !s.what.startsWith("get")).map((s) => `${s.what} ${s.answer.text}`);
      for (const change of unexplained(mine, writes, fixtureIds)) wrong.push(`workspace ${c}: ${change.kind} ${change.key}`);
    }
    const owner = await ownerOfEveryId();
    const strayEvents = tenants.flatMap((tenant, t) =>
      tenant.subscriber.received
        .filter((hit) => owner.get(String(hit.payload.data.activity.id).replace(/^act_/, "")) !== tenant.ws.workspaceId)
        .map((hit) => `workspace ${t}'s subscriber got ${hit.payload.data.activity.id}`),
    );
    printFigures("tenant matrix writes", { rows_changed: found.length, changed_by_another_workspace: wrong.length, webhooks_received: tenants.map((t) => t.subscriber.received.length), webhooks_of_another_workspace: strayEvents.length });
    expect(wrong).toEqual([]);
    expect(strayEvents).toEqual([]);
  });

  test("no API key, webhook secret or request body in any log record or error body", () => {
    printFigures("tenant matrix secrets", watch.counts);
    expect(watch.findings()).toEqual([]);
  });

  /** uuid → the workspace whose row holds it (every table of `app` with an id and a workspace_id). */
  async function ownerOfEveryId(): Promise<Map<string, string>> {
    const tables = await database.admin.query<{ name: string }>(
      `select quote_ident(table_name) as name from information_schema.columns where table_schema = 'app' and column_name = 'workspace_id'
        intersect select quote_ident(table_name) from information_schema.columns where table_schema = 'app' and column_name = 'id'`,
    );
    const owner = new Map<string, string>();
    for (const { name } of tables) {
      for (const row of await database.admin.query<{ id: string; ws: string }>(`select id::text, workspace_id::text as ws from app.${name}`)) owner.set(row.id, row.ws);
    }
    for (const { ws } of tenants) for (const id of Object.values(ws)) owner.set(id, ws.workspaceId);
    return owner;
  }
});
