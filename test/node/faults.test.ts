// Faults, on the real Node server: a database that is absent, that vanishes mid-request or comes
// back; a rate limiter that refuses connections or never answers. A fault is a clear 503 (or,
// for the limiter, a logged fail-open) and never a half-written request. Also counts the
// round trips a request costs: exactly one to PostgreSQL, at most one to Redis.

import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Fixtures, type Workspace } from "../support/fixtures.ts";
import { type NodeServer, startNodeServer } from "../support/node-server.ts";
import { freePort } from "../support/ports.ts";
import { serviceAvailable } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startUpstashRest, type UpstashRestServer } from "../support/upstash-rest.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

const post = (server: NodeServer, key: string, body: unknown = { type: "call" }) =>
  fetch(new URL("/v1/activities", server.baseUrl), {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

/** Accepts connections and never answers: a hung dependency. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!available)("faults and round trips (Node server, PostgreSQL, Upstash stand-in)", () => {
  let database: TestDatabase;
  let fixtures: Fixtures;
  let upstash: UpstashRestServer;
  let proxy: TcpProxy;
  let ws: Workspace;

  beforeAll(async () => {
    database = await createTestDatabase("faults");
    fixtures = new Fixtures(database.admin);
    upstash = await startUpstashRest();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    ws = await fixtures.workspace();
  });

  afterAll(async () => {
    await proxy?.close();
    await upstash?.close();
    await database?.drop();
  });

  /** The API's DATABASE_URL, through the proxy. */
  const proxiedUrl = () => {
    const url = new URL(database.apiUrl);
    url.port = String(proxy.port);
    return url.toString();
  };

  const baseEnv = () => ({
    MIGRATE: "0",
    SEED_DEMO: "0",
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    DATABASE_CONNECT_TIMEOUT: "2",
    // These tests count and break the API's own database traffic; the webhook dispatcher's
    // LISTEN and sweep would add theirs.
    WEBHOOKS_DISPATCHER: "0",
  });

  test("exactly one PostgreSQL round trip and at most one Redis round trip per request", async () => {
    const server = await startNodeServer({ ...baseEnv(), DATABASE_URL: proxiedUrl(), DATABASE_POOL_MAX: "1" });
    try {
      const key = await fixtures.key(ws);
      const body = (i: number) => ({ type: "call", contact_id: ws.contactId, deal_id: ws.dealId, metadata: { i } });
      // Warm-up: connecting, reading the role's settings, preparing statements, loading the script.
      for (let i = 0; i < 3; i++) expect((await post(server, key, body(i))).status).toBe(201);
      proxy.resetStats();
      upstash.stats.reset();
      const requests = 20;
      for (let i = 0; i < requests; i++) expect((await post(server, key, body(i))).status).toBe(201);
      expect(proxy.stats.connections).toBe(0);
      expect(proxy.stats.roundTrips).toBe(requests);
      expect(upstash.stats.requests).toBeLessThanOrEqual(requests);
      expect(upstash.stats.commands).toBe(requests);
    } finally {
      await server.stop();
    }
  });

  test("no database listening → 503 service_unavailable with Retry-After, promptly", async () => {
    const port = await freePort();
    const url = new URL(database.apiUrl);
    url.port = String(port);
    const server = await startNodeServer({ ...baseEnv(), DATABASE_URL: url.toString() });
    try {
      const response = await post(server, await fixtures.key(ws));
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("service_unavailable");
      expect(body.error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
      const failure = server.logs.find((line) => line.msg === "request failed");
      expect(JSON.stringify(failure)).toMatch(/ECONNREFUSED/);
    } finally {
      await server.stop();
    }
  });

  test("the connection dying mid-request → 503 and nothing written; then it recovers", async () => {
    const server = await startNodeServer({ ...baseEnv(), DATABASE_URL: proxiedUrl() });
    try {
      const key = await fixtures.key(ws);
      expect((await post(server, key)).status).toBe(201);
      const before = await fixtures.activityCount(ws);
      // The server receives the settings but not the call, then the connection dies.
      proxy.cutOnClientBytes("api.create_activity(");
      const response = await post(server, key, { type: "call", title: "lost" });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await fixtures.activityCount(ws)).toBe(before);
      // A pool whose connections were all cut reconnects on the next request.
      proxy.cutAll();
      const again = await post(server, key, { type: "call", title: "after recovery" });
      expect(again.status).toBe(201);
      expect(await fixtures.activityCount(ws)).toBe(before + 1);
    } finally {
      proxy.cutOnClientBytes(null);
      await server.stop();
    }
  });

  test("a database that stops answering → 503 after DATABASE_TIMEOUT_MS; other connections carry on", async () => {
    const server = await startNodeServer({ ...baseEnv(), DATABASE_URL: proxiedUrl(), DATABASE_TIMEOUT_MS: "500" });
    try {
      const key = await fixtures.key(ws);
      expect((await post(server, key)).status).toBe(201);
      proxy.setFrozen(true);
      const stalled = await post(server, key, { type: "call", title: "stalled" });
      expect(stalled.status).toBe(503);
      expect(((await stalled.json()) as { error: { code: string } }).error.code).toBe("service_unavailable");
      proxy.setFrozen(false);
      proxy.cutAll();
      expect((await post(server, key)).status).toBe(201);
    } finally {
      proxy.setFrozen(false);
      await server.stop();
    }
  });

  test("Upstash unreachable → the request proceeds (fail-open) and the fault is logged", async () => {
    const port = await freePort();
    const server = await startNodeServer({
      ...baseEnv(),
      DATABASE_URL: database.apiUrl,
      UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
    });
    try {
      const response = await post(server, await fixtures.key(ws));
      expect(response.status).toBe(201);
      expect(response.headers.get("ratelimit-remaining")).toBeNull();
      const fault = server.logs.find((line) => line.msg === "rate limiter unavailable");
      expect(fault).toMatchObject({ level: "error", fail_closed: false });
    } finally {
      await server.stop();
    }
  });

  test("Upstash hanging → the request proceeds after RATE_LIMIT_TIMEOUT_MS; RATE_LIMIT_FAIL_CLOSED=1 → 503", async () => {
    const hole = await blackHole();
    const open = await startNodeServer({
      ...baseEnv(),
      DATABASE_URL: database.apiUrl,
      UPSTASH_REDIS_REST_URL: hole.url,
      RATE_LIMIT_TIMEOUT_MS: "300",
    });
    const closed = await startNodeServer({
      ...baseEnv(),
      DATABASE_URL: database.apiUrl,
      UPSTASH_REDIS_REST_URL: hole.url,
      RATE_LIMIT_TIMEOUT_MS: "300",
      RATE_LIMIT_FAIL_CLOSED: "1",
    });
    try {
      const key = await fixtures.key(ws);
      const before = await fixtures.activityCount(ws);
      expect((await post(open, key)).status).toBe(201);
      const refused = await post(closed, key);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("service_unavailable");
      expect(await fixtures.activityCount(ws)).toBe(before + 1);
      expect(closed.logs.find((line) => line.msg === "rate limiter unavailable")).toMatchObject({ fail_closed: true });
    } finally {
      await open.stop();
      await closed.stop();
      await hole.close();
    }
  });
});
