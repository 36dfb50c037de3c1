// Refused keys cost nothing (DESIGN.md): a client cycling made-up keys is limited per address
// before any database call. On the real Node server and PostgreSQL, with the refusals counted in
// real Redis behind the Upstash stand-in and, separately, in memory (no Upstash configured).
// Database transactions are counted on the wire, through a TCP proxy that counts the calls of
// api.create_activity the server sends (each request's call is its one transaction,
// test/node/faults.test.ts): 1,000 random keys cost at most RATE_LIMIT_REFUSED_KEYS of them. Keys the
// database accepted recently are not held back, and revoking one still takes effect at once.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Fixtures, type Workspace } from "../support/fixtures.ts";
import { type NodeServer, startNodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startUpstashRest, type UpstashRestServer } from "../support/upstash-rest.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

const REFUSALS = 10;

const post = (server: NodeServer, key: string) =>
  fetch(new URL("/v1/activities", server.baseUrl), {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ type: "call" }),
  });

const randomKey = () => `wbk_${randomBytes(32).toString("hex")}`;

/** Sends `count` requests with random keys, `concurrency` at a time; the statuses, and every 429's Retry-After. */
async function attack(server: NodeServer, count: number, concurrency: number) {
  const statuses: number[] = [];
  const retryAfter: Array<string | null> = [];
  const codes = new Set<string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const response = await post(server, randomKey());
        statuses.push(response.status);
        codes.add(((await response.json()) as { error: { code: string } }).error.code);
        if (response.status === 429) retryAfter.push(response.headers.get("retry-after"));
      }
    }),
  );
  return { statuses, retryAfter, codes };
}

function refusedKeySuite(name: string, upstashEnv: () => Record<string, string>) {
  describe.skipIf(!available)(name, () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let fixtures: Fixtures;
    let ws: Workspace;
    let server: NodeServer;
    const servers: NodeServer[] = [];
    const usedBefore: string[] = [];

    const start = async () => {
      const url = new URL(database.apiUrl);
      url.port = String(proxy.port);
      const started = await startNodeServer({
        DATABASE_URL: url.toString(),
        MIGRATE: "0",
        SEED_DEMO: "0",
        WEBHOOKS_DISPATCHER: "0",
        RATE_LIMIT_REFUSED_KEYS: String(REFUSALS),
        RATE_LIMIT_REFUSED_KEYS_WINDOW: "1h",
        ...upstashEnv(),
      });
      servers.push(started);
      return started;
    };

    beforeAll(async () => {
      database = await createTestDatabase("refused_keys");
      proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
      fixtures = new Fixtures(database.admin);
      ws = await fixtures.workspace();
      server = await start();
      // Keys in use before the attack: the database accepts them, so they are known.
      for (let i = 0; i < 2; i++) {
        const key = await fixtures.key(ws);
        expect((await post(server, key)).status).toBe(201);
        usedBefore.push(key);
      }
    });
    afterAll(async () => {
      for (const started of servers) await started.stop();
      await proxy?.close();
      await database?.drop();
    });

    test(`1,000 random keys from one address: 429 with Retry-After, and at most ${REFUSALS} database transactions`, async () => {
      const calls = proxy.countClientBytes("api.create_activity(");
      const { statuses, retryAfter, codes } = await attack(server, 1000, 25);
      const refused = statuses.filter((status) => status === 401).length;
      const limited = statuses.filter((status) => status === 429).length;
      expect(statuses).toHaveLength(1000);
      expect(refused + limited).toBe(1000);
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThanOrEqual(REFUSALS);
      expect([...codes].sort()).toEqual(["invalid_key", "rate_limited"]);
      expect(retryAfter.every((value) => value !== null && Number(value) >= 1)).toBe(true);
      // The database saw only the refusals the limit allows.
      expect(calls()).toBe(refused);
    }, 120_000);

    test("a key the database accepted recently is not held back; a new one is; revoking still takes effect at once", async () => {
      const [known] = usedBefore;
      const calls = proxy.countClientBytes("api.create_activity(");
      const accepted = await post(server, known!);
      expect(accepted.status).toBe(201);
      // The database still verified it: one transaction.
      expect(calls()).toBe(1);

      const fresh = await post(server, await fixtures.key(ws));
      expect(fresh.status).toBe(429);
      expect(((await fresh.json()) as { error: { code: string; message: string } }).error.message).toMatch(/refused came from your address/);

      await database.admin.query("update app.api_keys set revoked_at = now() where key_hash = sha256(convert_to($1, 'UTF8'))", [known]);
      expect((await post(server, known!)).status).toBe(401);
      // Refused now, it is no longer known: held back like any other key from this address.
      expect((await post(server, known!)).status).toBe(429);
    });

    if (name.includes("Redis")) {
      test("another instance knows the address is over its limit, and the keys accepted anywhere, from Redis", async () => {
        const other = await start();
        const calls = proxy.countClientBytes("api.create_activity(");
        // Its first refusal tells it the shared count; from then on it refuses without the database.
        const { statuses } = await attack(other, 50, 1);
        expect(statuses.filter((status) => status === 401).length).toBe(1);
        expect(calls()).toBe(1);
        // Accepted by the first instance only, before the attack: admitted here through Redis.
        expect((await post(other, usedBefore[1]!)).status).toBe(201);
        expect((await post(other, await fixtures.key(ws))).status).toBe(429);
      });
    }
  });
}

let upstash: UpstashRestServer | undefined;
beforeAll(async () => {
  if (available) upstash = await startUpstashRest();
});
afterAll(async () => {
  await upstash?.close();
});

refusedKeySuite("refused keys, counted in Redis (Upstash stand-in)", () => ({ UPSTASH_REDIS_REST_URL: upstash!.url, UPSTASH_REDIS_REST_TOKEN: upstash!.token }));
refusedKeySuite("refused keys, counted in memory (no Upstash)", () => ({}));
