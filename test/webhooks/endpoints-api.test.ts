// /v1/webhook_endpoints through the gateway, in-process over PGlite, in production mode
// (WEBHOOKS_ALLOW_INSECURE unset) with a stub resolver: shapes, the secret shown once,
// validation, SSRF refusals, scopes, pagination, and the 404s of unknown or malformed ids.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DatabaseError } from "../../functions/_shared/db/database.ts";
import { MAX_ENDPOINTS_PER_WORKSPACE, type WebhookEndpoint } from "../../functions/api-gateway/routes/webhook-endpoints/schema.ts";
import type { Scope, Workspace } from "../support/fixtures.ts";
import { client, openHarness, type WebhookHarness } from "./harness.ts";
import { SPECIAL_PURPOSE_SAMPLES, urlHost } from "./special-purpose-samples.ts";

const DNS: Record<string, string[]> = {
  "hooks.example.com": ["93.184.216.34"],
  "other.example.com": ["93.184.216.35"],
  "intranet.example.com": ["192.168.10.20"],
  "metadata.example.com": ["169.254.169.254"],
};

let h: WebhookHarness;
beforeAll(async () => {
  h = await openHarness("pglite", {
    allowInsecure: false,
    resolveHost: async (host) => {
      if (!DNS[host]) throw new Error("ENOTFOUND");
      return DNS[host];
    },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

async function api(scopes: Scope[] = ["webhooks:write", "webhooks:read"], ws?: Workspace) {
  const workspace = ws ?? (await h.fixtures.workspace());
  return { ws: workspace, api: client(h, await h.fixtures.key(workspace, { scopes })) };
}

const ENDPOINT_KEYS = ["id", "url", "events", "enabled", "disabled_reason", "description", "created_date"];

describe("POST /v1/webhook_endpoints", () => {
  test("201 with the endpoint and its secret, once; GET never shows the secret", async () => {
    const { api: a } = await api();
    const created = await a.post("/v1/webhook_endpoints", {
      url: "https://hooks.example.com/crm",
      events: ["activity.created"],
      description: "Timeline sync",
    });
    expect(created.status).toBe(201);
    const endpoint = created.body.data.webhook_endpoint as WebhookEndpoint;
    expect(Object.keys(endpoint)).toEqual([...ENDPOINT_KEYS.slice(0, 6), "secret", "created_date"]);
    expect(endpoint).toMatchObject({
      url: "https://hooks.example.com/crm",
      events: ["activity.created"],
      enabled: true,
      disabled_reason: null,
      description: "Timeline sync",
    });
    expect(endpoint.id).toMatch(/^we_[0-9a-f-]{36}$/);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.created_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.headers.get("location")).toBe(`/v1/webhook_endpoints/${endpoint.id}`);

    const got = await a.get(`/v1/webhook_endpoints/${endpoint.id}`);
    expect(got.status).toBe(200);
    expect(Object.keys(got.body.data.webhook_endpoint)).toEqual(ENDPOINT_KEYS);
    expect(JSON.stringify(got.body)).not.toContain(endpoint.secret);
    const listed = await a.get("/v1/webhook_endpoints");
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret);
  });

  test("events are normalised: duplicates removed, '*' alone", async () => {
    const { api: a } = await api();
    const both = await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["activity.created", "*"] });
    expect(both.body.data.webhook_endpoint.events).toEqual(["*"]);
    const twice = await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["activity.created", "activity.created"] });
    expect(twice.body.data.webhook_endpoint.events).toEqual(["activity.created"]);
  });

  test("an endpoint subscribes to activity.updated and activity.deleted, by the API and in the database", async () => {
    const { api: a } = await api();
    const changes = await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["activity.updated", "activity.deleted"] });
    expect(changes.status).toBe(201);
    expect(changes.body.data.webhook_endpoint.events).toEqual(["activity.deleted", "activity.updated"]);
    const id = changes.body.data.webhook_endpoint.id;
    const all = await a.patch(`/v1/webhook_endpoints/${id}`, { events: ["activity.created", "activity.updated", "activity.deleted"] });
    expect(all.status).toBe(200);
    expect(all.body.data.webhook_endpoint.events).toEqual(["activity.created", "activity.deleted", "activity.updated"]);
  });

  test.each([
    [{ events: ["*"] }, 400, "missing_required_field", "url"],
    [{ url: "https://hooks.example.com/" }, 400, "missing_required_field", "events"],
    [{ url: "https://hooks.example.com/", events: [] }, 400, "invalid_field", "events"],
    [{ url: "https://hooks.example.com/", events: ["contact.created"] }, 400, "invalid_field", "events[0]"],
    [{ url: "https://hooks.example.com/", events: "activity.created" }, 400, "invalid_field", "events"],
    [{ url: "https://hooks.example.com/", events: ["*"], secret: "mine" }, 400, "invalid_field", "secret"],
    [{ url: 42, events: ["*"] }, 400, "invalid_field", "url"],
    [{ url: `https://hooks.example.com/${"a".repeat(2048)}`, events: ["*"] }, 400, "invalid_field", "url"],
    [{ url: "https://hooks.example.com/", events: ["*"], description: "d".repeat(501) }, 400, "invalid_field", "description"],
  ])("%j → %i %s (%s)", async (body, status, code, param) => {
    const { api: a } = await api();
    const response = await a.post("/v1/webhook_endpoints", body);
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, param });
  });

  test.each([
    ["http://hooks.example.com/", /https/],
    ["https://127.0.0.1/", /non-public/],
    ["https://localhost:8080/", /localhost/],
    ["https://[::1]/", /non-public/],
    ["https://10.0.0.1/", /non-public/],
    ["https://169.254.169.254/latest/meta-data/", /non-public/],
    ["https://intranet.example.com/", /not allowed or cannot be resolved/],
    ["https://metadata.example.com/", /not allowed or cannot be resolved/],
    ["https://unknown.example.com/", /not allowed or cannot be resolved/],
    ["https://[::ffff:0:7f00:1]/", /non-public/], // IPv4-translated 127.0.0.1
    ["https://[::ffff:0:a9fe:a9fe]/latest/meta-data/", /non-public/], // IPv4-translated 169.254.169.254
    ["https://203.0.113.7/", /non-public.*Documentation/],
    ["https://198.51.100.7/", /non-public.*Documentation/],
    ["https://192.88.99.1/", /non-public.*6to4/],
    ["https://192.0.0.100/", /non-public.*IETF Protocol Assignments/],
    ["https://0x7f.1/", /non-public/],
    ["https://user:pass@hooks.example.com/", /credentials/],
    ["javascript:alert(1)", /https/],
  ])("SSRF: %s is refused (invalid_field on url) and nothing is stored", async (url, reason) => {
    const { ws, api: a } = await api();
    const response = await a.post("/v1/webhook_endpoints", { url, events: ["*"] });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: "invalid_field", param: "url" });
    expect(response.body.error.message).toMatch(reason);
    const [row] = await h.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_endpoints where workspace_id = $1", [ws.workspaceId]);
    expect(row!.n).toBe(0);
  });

  test("PATCH checks a new url the same way", async () => {
    const { api: a } = await api();
    const id = (await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"] })).body.data.webhook_endpoint.id;
    for (const url of ["https://intranet.example.com/", "https://[::ffff:0:7f00:1]/", "https://[::ffff:0:a9fe:a9fe]/"]) {
      const response = await a.patch(`/v1/webhook_endpoints/${id}`, { url });
      expect(response.status, url).toBe(400);
      expect(response.body.error).toMatchObject({ code: "invalid_field", param: "url" });
    }
    expect((await a.get(`/v1/webhook_endpoints/${id}`)).body.data.webhook_endpoint.url).toBe("https://hooks.example.com/");
  });

  test("a name's refusal does not say what it resolves to, nor why it does not resolve", async () => {
    const { api: a } = await api();
    const messages: string[] = [];
    for (const host of ["intranet.example.com", "metadata.example.com", "unknown.example.com"]) {
      const response = await a.post("/v1/webhook_endpoints", { url: `https://${host}/`, events: ["*"] });
      expect(response.body.error).toMatchObject({ code: "invalid_field", param: "url" });
      messages.push((response.body.error.message as string).replace(host, "HOST"));
    }
    expect(new Set(messages).size).toBe(1);
    for (const leak of ["192.168", "169.254", "ENOTFOUND", "getaddrinfo"]) expect(messages[0]).not.toContain(leak);
  });

  test("refusing http or loopback says that WEBHOOKS_ALLOW_INSECURE=1 allows it in development", async () => {
    const { api: a } = await api();
    for (const url of ["http://hooks.example.com/", "http://127.0.0.1:8080/", "https://localhost/", "https://127.0.0.1/"]) {
      const response = await a.post("/v1/webhook_endpoints", { url, events: ["*"] });
      expect(response.status).toBe(400);
      expect(response.body.error.message, url).toContain("WEBHOOKS_ALLOW_INSECURE=1 allows it in development");
    }
  });

  test("a scheme in capitals is stored in lower case, on create and on PATCH", async () => {
    const { api: a } = await api();
    const created = await a.post("/v1/webhook_endpoints", { url: "HTTPS://hooks.example.com/Crm", events: ["*"] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data.webhook_endpoint.url).toBe("https://hooks.example.com/Crm");
    const id = created.body.data.webhook_endpoint.id;
    const patched = await a.patch(`/v1/webhook_endpoints/${id}`, { url: "Https://other.example.com/H" });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.data.webhook_endpoint.url).toBe("https://other.example.com/H");
  });

  test("at most 20 endpoints per workspace (the limit the document states)", async () => {
    const { api: a } = await api();
    for (let i = 0; i < MAX_ENDPOINTS_PER_WORKSPACE; i++) expect((await a.post("/v1/webhook_endpoints", { url: `https://hooks.example.com/${i}`, events: ["*"] })).status).toBe(201);
    const response = await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/21", events: ["*"] });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("webhook_endpoint_limit_reached");
  });
});

describe("the database repeats the rules that need no DNS (what PostgREST callers meet)", () => {
  /** api.* as PostgREST runs it: role anon, the key in request.headers; no gateway in front. */
  async function direct(fn: "create_webhook_endpoint" | "update_webhook_endpoint", args: Record<string, unknown>, key: string) {
    try {
      return { result: await h.database.rpc({ fn, args, apiKey: key }) };
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error;
      return { error: { sqlState: error.sqlState, code: error.message, param: error.hint, message: error.detail } };
    }
  }

  test.each([
    "https://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "https://[::1]/",
    "https://[::ffff:0:7f00:1]/",
    "https://[::ffff:0:a9fe:a9fe]/",
    "https://[::ffff:127.0.0.1]/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://localhost/",
    "http://hooks.example.com/",
    "https://u:p@hooks.example.com/",
  ])("create and update refuse %s with invalid_field on url, and store nothing", async (url) => {
    const ws = await h.fixtures.workspace();
    const key = await h.fixtures.key(ws, { scopes: ["webhooks:write"] });
    const created = await direct("create_webhook_endpoint", { url, events: ["*"] }, key);
    expect(created.error).toMatchObject({ sqlState: "PT400", code: "invalid_field", param: "url" });
    const kept = (await direct("create_webhook_endpoint", { url: "https://hooks.example.com/", events: ["*"] }, key)).result as {
      webhook_endpoint: WebhookEndpoint;
    };
    const updated = await direct("update_webhook_endpoint", { id: kept.webhook_endpoint.id.slice(3), url }, key);
    expect(updated.error).toMatchObject({ sqlState: "PT400", code: "invalid_field", param: "url" });
    const rows = await h.admin.query<{ url: string }>("select url from app.webhook_endpoints where workspace_id = $1", [ws.workspaceId]);
    expect(rows.map((row) => row.url)).toEqual(["https://hooks.example.com/"]);
  });

  test("every literal address of a special-purpose block is refused unless the registry calls it globally reachable", async () => {
    const ws = await h.fixtures.workspace();
    const key = await h.fixtures.key(ws, { scopes: ["webhooks:write"] });
    const [{ blocks }] = (await h.admin.query("select count(*)::int as blocks from app_private.special_purpose_addresses")) as [{ blocks: number }];
    expect(Object.keys(SPECIAL_PURPOSE_SAMPLES)).toHaveLength(blocks);
    for (const [block, address] of Object.entries(SPECIAL_PURPOSE_SAMPLES)) {
      const [row] = await h.admin.query<{ reachable: boolean }>(
        "select globally_reachable is true as reachable from app_private.special_purpose_addresses where block = $1::cidr",
        [block],
      );
      const outcome = await direct("create_webhook_endpoint", { url: `https://${urlHost(address)}/`, events: ["*"] }, key);
      if (row!.reachable) expect(outcome.error, block).toBeUndefined();
      else expect(outcome.error, block).toMatchObject({ code: "invalid_field", param: "url" });
      await h.admin.query("delete from app.webhook_endpoints where workspace_id = $1", [ws.workspaceId]);
    }
  });

  test("the scheme is stored in lower case", async () => {
    const ws = await h.fixtures.workspace();
    const key = await h.fixtures.key(ws, { scopes: ["webhooks:write"] });
    const created = (await direct("create_webhook_endpoint", { url: "HTTPS://hooks.example.com/x", events: ["*"] }, key)).result as {
      webhook_endpoint: WebhookEndpoint;
    };
    expect(created.webhook_endpoint.url).toBe("https://hooks.example.com/x");
  });
});

describe("scopes", () => {
  test("webhooks:read reads but cannot write; activities-only keys get 403 on everything", async () => {
    const owner = await api();
    const id = (await owner.api.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"] })).body.data.webhook_endpoint.id;
    const reader = await api(["webhooks:read"], owner.ws);
    expect((await reader.api.get(`/v1/webhook_endpoints/${id}`)).status).toBe(200);
    expect((await reader.api.get(`/v1/webhook_endpoints/${id}/deliveries`)).status).toBe(200);
    for (const response of [
      await reader.api.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"] }),
      await reader.api.patch(`/v1/webhook_endpoints/${id}`, { enabled: false }),
      await reader.api.post(`/v1/webhook_endpoints/${id}/rotate_secret`),
      await reader.api.delete(`/v1/webhook_endpoints/${id}`),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("insufficient_permissions");
    }
    const activitiesOnly = await api(["activities:write", "activities:read"], owner.ws);
    expect((await activitiesOnly.api.get("/v1/webhook_endpoints")).status).toBe(403);
    expect((await activitiesOnly.api.get(`/v1/webhook_endpoints/${id}`)).status).toBe(403);
  });

  test("no key, a malformed key, a revoked key: 401", async () => {
    const ws = await h.fixtures.workspace();
    const revoked = await h.fixtures.key(ws, { scopes: ["webhooks:read"], revoked: true });
    expect((await h.request("/v1/webhook_endpoints")).status).toBe(401);
    expect((await client(h, "wbk_short").get("/v1/webhook_endpoints")).status).toBe(401);
    expect((await client(h, revoked).get("/v1/webhook_endpoints")).status).toBe(401);
  });
});

describe("GET, PATCH, DELETE", () => {
  test("list: newest first, limit/starting_after/has_more", async () => {
    const { api: a } = await api();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.post("/v1/webhook_endpoints", { url: `https://hooks.example.com/${i}`, events: ["*"] })).body.data.webhook_endpoint.id);
    const [e0, e1, e2, e3, e4] = ids;
    const page = async (query: string) => {
      const response = await a.get(`/v1/webhook_endpoints?${query}`);
      expect(response.status).toBe(200);
      return { ids: response.body.data.webhook_endpoints.map((e: WebhookEndpoint) => e.id), has_more: response.body.data.has_more };
    };
    // Newest first, and each next page continues towards the oldest.
    expect(await page("")).toEqual({ ids: [e4, e3, e2, e1, e0], has_more: false });
    expect(await page("limit=2")).toEqual({ ids: [e4, e3], has_more: true });
    expect(await page(`limit=2&starting_after=${e3}`)).toEqual({ ids: [e2, e1], has_more: true });
    expect(await page(`limit=2&starting_after=${e1}`)).toEqual({ ids: [e0], has_more: false });
    expect(await page(`starting_after=${e0}`)).toEqual({ ids: [], has_more: false });
    expect((await a.get("/v1/webhook_endpoints?limit=0")).body.error).toMatchObject({ code: "invalid_field", param: "limit" });
    expect((await a.get("/v1/webhook_endpoints?limit=101")).body.error).toMatchObject({ code: "invalid_field", param: "limit" });
    expect((await a.get("/v1/webhook_endpoints?starting_after=nope")).body.error).toMatchObject({ code: "invalid_field", param: "starting_after" });
  });

  test("deliveries: newest first, each next page older", async () => {
    const { ws, api: a } = await api(["activities:write", "webhooks:write", "webhooks:read"]);
    const endpoint = (await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"] })).body.data.webhook_endpoint.id;
    // The delivery each activity queued, in the order they were recorded.
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await a.post("/v1/activities", { type: "call", title: `call ${i}`, contact_id: ws.contactId })).status).toBe(201);
      const [row] = await h.admin.query<{ id: string }>(
        "select 'del_' || id as id from app.webhook_deliveries where endpoint_id = $1 and not ('del_' || id = any ($2::text[]))",
        [endpoint.slice(3), queued],
      );
      queued.push(row!.id);
    }
    const [d0, d1, d2] = queued;
    const page = async (query: string) => {
      const response = await a.get(`/v1/webhook_endpoints/${endpoint}/deliveries?${query}`);
      expect(response.status).toBe(200);
      return { ids: response.body.data.deliveries.map((d: { id: string }) => d.id), has_more: response.body.data.has_more };
    };
    expect(await page("")).toEqual({ ids: [d2, d1, d0], has_more: false });
    expect(await page("limit=2")).toEqual({ ids: [d2, d1], has_more: true });
    expect(await page(`limit=2&starting_after=${d1}`)).toEqual({ ids: [d0], has_more: false });
    expect(await page(`starting_after=${d0}`)).toEqual({ ids: [], has_more: false });
  });

  test("PATCH changes what it is given, disables and re-enables", async () => {
    const { api: a } = await api();
    const id = (await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"], description: "x" })).body.data.webhook_endpoint.id;
    const patched = await a.patch(`/v1/webhook_endpoints/${id}`, { url: "https://other.example.com/h", events: ["activity.created"], enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body.data.webhook_endpoint).toMatchObject({
      url: "https://other.example.com/h", events: ["activity.created"], enabled: false, disabled_reason: "manual", description: "x",
    });
    const cleared = await a.patch(`/v1/webhook_endpoints/${id}`, { description: null, enabled: true });
    expect(cleared.body.data.webhook_endpoint).toMatchObject({ description: null, enabled: true, disabled_reason: null });
    expect((await a.patch(`/v1/webhook_endpoints/${id}`, {})).body.error.code).toBe("invalid_field");
    expect((await a.patch(`/v1/webhook_endpoints/${id}`, { enabled: "no" })).body.error).toMatchObject({ code: "invalid_field", param: "enabled" });
  });

  test("DELETE removes it; afterwards, and for unknown or malformed ids, 404 webhook_endpoint_not_found", async () => {
    const { api: a } = await api();
    const id = (await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"] })).body.data.webhook_endpoint.id;
    const deleted = await a.delete(`/v1/webhook_endpoints/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ data: { webhook_endpoint: { id, deleted: true } } });
    for (const path of [
      `/v1/webhook_endpoints/${id}`,
      "/v1/webhook_endpoints/we_00000000-0000-4000-8000-000000000000",
      "/v1/webhook_endpoints/not-an-id",
      `/v1/webhook_endpoints/${id}/deliveries`,
    ]) {
      const response = await a.get(path);
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({ code: "webhook_endpoint_not_found", param: "id" });
    }
    expect((await a.delete(`/v1/webhook_endpoints/${id}`)).status).toBe(404);
    const retry = await a.post(`/v1/webhook_endpoints/${id}/deliveries/del_nope/retry`);
    expect(retry.status).toBe(404);
  });

  test("an id names the same endpoint in any letter case and without its prefix; ids in a path are one schema", async () => {
    const { api: a } = await api();
    const id: string = (await a.post("/v1/webhook_endpoints", { url: "https://hooks.example.com/", events: ["*"] })).body.data.webhook_endpoint.id;
    const bare = id.slice("we_".length);
    for (const form of [id.toUpperCase(), bare, bare.toUpperCase()]) {
      const response = await a.get(`/v1/webhook_endpoints/${form}/deliveries`);
      expect(response.status, form).toBe(200);
      expect((await a.get(`/v1/webhook_endpoints/${form}`)).body.data.webhook_endpoint.id).toBe(id);
    }
    const page = await a.get(`/v1/webhook_endpoints?starting_after=${bare.toUpperCase()}`);
    expect(page.status).toBe(200);
    expect(page.body.data.webhook_endpoints.map((endpoint: WebhookEndpoint) => endpoint.id)).not.toContain(id);
  });

  test("wrong methods: 405 with Allow", async () => {
    const response = await h.request("/v1/webhook_endpoints", { method: "PUT" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
  });
});

describe("Idempotency-Key on the endpoint POSTs", () => {
  const send = (key: string, path: string, idempotencyKey: string, body?: unknown) =>
    h.request(path, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${key}`,
        "Idempotency-Key": idempotencyKey,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const endpointCount = async (ws: Workspace) =>
    (await h.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_endpoints where workspace_id = $1", [ws.workspaceId]))[0]!.n;

  test("a retried create answers the first 201 (secret, Location) marked as a replay, and subscribes once; another body under the key is 422", async () => {
    const ws = await h.fixtures.workspace();
    const key = await h.fixtures.key(ws, { scopes: ["webhooks:write"] });
    const idempotencyKey = crypto.randomUUID();
    const body = { url: "https://hooks.example.com/crm", events: ["activity.created"] };
    const first = await send(key, "/v1/webhook_endpoints", idempotencyKey, body);
    const firstText = await first.text();
    expect(first.status, firstText).toBe(201);
    const again = await send(key, "/v1/webhook_endpoints", idempotencyKey, body);
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(firstText);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await endpointCount(ws)).toBe(1);
    const other = await send(key, "/v1/webhook_endpoints", idempotencyKey, { ...body, url: "https://other.example.com/" });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: "idempotency_key_reused", param: "Idempotency-Key" });
    // The key is the workspace's, whatever the operation: a rotation under it is another request.
    const id = (JSON.parse(firstText) as { data: { webhook_endpoint: { id: string } } }).data.webhook_endpoint.id;
    expect((await send(key, `/v1/webhook_endpoints/${id}/rotate_secret`, idempotencyKey)).status).toBe(422);
    expect(await endpointCount(ws)).toBe(1);
  });

  test("the replay of the create that reached the endpoint limit still answers its 201", async () => {
    const ws = await h.fixtures.workspace();
    const key = await h.fixtures.key(ws, { scopes: ["webhooks:write"] });
    for (let i = 1; i < MAX_ENDPOINTS_PER_WORKSPACE; i++) {
      expect((await send(key, "/v1/webhook_endpoints", `fill-${i}`, { url: `https://hooks.example.com/${i}`, events: ["*"] })).status).toBe(201);
    }
    const last = { url: "https://hooks.example.com/last", events: ["*"] };
    expect((await send(key, "/v1/webhook_endpoints", "last", last)).status).toBe(201);
    const replay = await send(key, "/v1/webhook_endpoints", "last", last);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await send(key, "/v1/webhook_endpoints", "one-more", { url: "https://hooks.example.com/more", events: ["*"] })).status).toBe(409);
  });

  test("a retried rotation answers the secret the first issued, and the subscriber's secret stays valid", async () => {
    const ws = await h.fixtures.workspace();
    const key = await h.fixtures.key(ws, { scopes: ["webhooks:write"] });
    const created = await send(key, "/v1/webhook_endpoints", crypto.randomUUID(), { url: "https://hooks.example.com/", events: ["*"] });
    const id = ((await created.json()) as { data: { webhook_endpoint: { id: string } } }).data.webhook_endpoint.id;
    const idempotencyKey = crypto.randomUUID();
    const first = await send(key, `/v1/webhook_endpoints/${id}/rotate_secret`, idempotencyKey);
    const firstText = await first.text();
    expect(first.status, firstText).toBe(200);
    const again = await send(key, `/v1/webhook_endpoints/${id}/rotate_secret`, idempotencyKey);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(firstText);
    const [row] = await h.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_secrets where endpoint_id = $1", [id.slice(3)]);
    expect(row!.n).toBe(2);
  });
});
