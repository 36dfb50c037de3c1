// The 20-endpoint limit under real concurrency, on real PostgreSQL: 30 creates on 30 connections
// at once, each as PostgREST runs it (role anon, its own transaction), for a workspace that has 6
// endpoints. A lock held on the table makes every create count the same 6 committed rows before
// any of them may insert — the interleaving in which a count-then-insert check lets all 30 in —
// and is then released.

import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DatabaseError } from "../../functions/_shared/db/database.ts";
import { createPostgresDatabase } from "../../functions/_shared/db/postgres.ts";
import { Fixtures } from "../support/fixtures.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const available = await serviceAvailable("postgres");
const PARALLEL = 30;

describe.skipIf(!available)("webhook endpoint limit under concurrency (PostgreSQL)", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("endpoint_limit");
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  test(`${PARALLEL} parallel creates take a workspace with 6 endpoints to exactly 20`, async () => {
    const fixtures = new Fixtures(database.admin);
    const ws = await fixtures.workspace();
    const key = await fixtures.key(ws, { scopes: ["webhooks:write"] });
    const api = createPostgresDatabase({ url: database.apiUrl, max: PARALLEL });
    const barrier = postgres(database.adminUrl, { max: 1, onnotice: () => {} });
    const watcher = postgres(database.adminUrl, { max: 1, onnotice: () => {} });
    try {
      const create = (i: number) => api.rpc({ fn: "create_webhook_endpoint", args: { url: `https://hooks.example.com/${i}`, events: ["*"] }, apiKey: key });
      for (let i = 0; i < 6; i++) await create(i);

      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      // Blocks inserts (ROW EXCLUSIVE), not the count before them (ACCESS SHARE).
      const held = barrier.begin(async (tx) => {
        await tx`lock table app.webhook_endpoints in exclusive mode`;
        await released;
      });
      await waitFor(async () => (await watcher`select count(*)::int as n from pg_locks where relation = 'app.webhook_endpoints'::regclass and mode = 'ExclusiveLock' and granted`)[0]!.n === 1);

      const outcomes = Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) => create(100 + i)));
      // Every create has counted and now waits for the table lock.
      await waitFor(async () => {
        const [row] = await watcher`
          select count(*)::int as n from pg_locks
           where relation = 'app.webhook_endpoints'::regclass and mode = 'RowExclusiveLock' and not granted`;
        return row!.n === PARALLEL;
      });
      release();
      await held;

      const settled = await outcomes;
      const refused = settled.filter((outcome) => outcome.status === "rejected");
      for (const outcome of refused) {
        expect(outcome.reason).toBeInstanceOf(DatabaseError);
        expect(outcome.reason).toMatchObject({ sqlState: "PT409", message: "webhook_endpoint_limit_reached" });
      }
      const [row] = await database.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_endpoints where workspace_id = $1", [
        ws.workspaceId,
      ]);
      expect(row!.n).toBe(20);
      expect(settled.length - refused.length).toBe(14);

      // Deleting one frees one place, and only one.
      await database.admin.query("delete from app.webhook_endpoints where id = (select id from app.webhook_endpoints where workspace_id = $1 limit 1)", [ws.workspaceId]);
      const again = await Promise.allSettled([create(200), create(201), create(202)]);
      expect(again.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    } finally {
      await api.close();
      await barrier.end({ timeout: 5 });
      await watcher.end({ timeout: 5 });
    }
  }, 60_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the creates to line up");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
