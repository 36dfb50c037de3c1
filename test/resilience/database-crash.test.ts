// Database crash (issue 12): a private PostgreSQL (initdb into a temporary folder, its own port —
// never the machine's shared cluster) is stopped with `pg_ctl stop -m immediate` and started
// again while 5,000 POST /v1/activities are under way from 32 clients. Each client retries a
// request on 503, 409 (the same key still running) and connection errors with the same
// Idempotency-Key, until it gets another answer. Promises: exactly one row per logical request,
// every acknowledged (201) write present, the Node server never restarted, and the time from
// the database's return to the first 201 reported.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migrate } from "../../functions/_node/migrations.ts";
import { postgresExecutor, type SqlExecutor } from "../../functions/_node/sql-executor.ts";
import type { Workspace } from "../support/fixtures.ts";
import type { NodeServer } from "../support/node-server.ts";
import { skipUnlessPrerequisites } from "../support/prerequisites.ts";
import { postgresBinDir, type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres.ts";
import { printFigures } from "./support/figures.ts";
import { describe as describeError, quantile, round } from "./support/load.ts";
import { SecretWatch } from "./support/secrets.ts";
import { type Answer, apiClient, WatchedFixtures, watchedNodeServer } from "./support/stack.ts";

const REQUESTS = 5_000;
const CLIENTS = 32;
/** The crash comes once this many logical requests are done. */
const CRASH_AFTER = 1_500;
const DOWN_MS = 2_000;
/** A client gives up on a request after this long (a bound, so a broken server fails the test rather than hanging it). */
const GIVE_UP_MS = 60_000;

const skip = skipUnlessPrerequisites("the database crash suite", postgresBinDir() ? null : "initdb and postgres are not installed", "apt-get install postgresql-15");

describe.skipIf(skip)(`database crash: pg_ctl stop -m immediate during ${REQUESTS} POSTs`, () => {
  const watch = new SecretWatch();
  let pg: PrivatePostgres;
  let admin: SqlExecutor;
  let fixtures: WatchedFixtures;
  let server: NodeServer;
  let ws: Workspace;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    admin = postgresExecutor(pg.url(), { max: 2 });
    await migrate(admin);
    fixtures = new WatchedFixtures(admin);
    fixtures.watchSecrets = watch;
    ws = await fixtures.workspace();
    server = await watchedNodeServer("the server whose database crashes", watch, {
      DATABASE_URL: pg.url().replace("postgres@", "authenticator@"),
      DATABASE_CONNECT_TIMEOUT: "1",
      DATABASE_TIMEOUT_MS: "3000",
      RATE_LIMIT_REQUESTS: "1000000",
      // 32 keys new to the server from one address at once would meet the refused-key guard's
      // in-flight budget (20) first; that guard is not what this test is about.
      RATE_LIMIT_REFUSED_KEYS: "1000",
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await admin?.close();
    await pg?.stop();
  });

  test("a request answered 503 while the database is down writes nothing when it returns", async () => {
    const api = apiClient(() => server.baseUrl, watch);
    const key = await fixtures.key(ws, { scopes: ["activities:write"] });
    expect((await api.call("POST", "/v1/activities", { key, body: { type: "call" } })).status).toBe(201);
    const count = async () => Number((await admin.query<{ n: number }>("select count(*)::int as n from app.activities"))[0]!.n);
    const before = await count();
    await pg.crash();
    const answers: Promise<number>[] = [];
    try {
      // More at once than the pool has connections (10): some wait in postgres.js's queue.
      for (let wave = 0; wave < 4; wave++) {
        for (let i = 0; i < 20; i++) answers.push(api.call("POST", "/v1/activities", { key, body: { type: "call", title: `while down ${wave}.${i}` } }).then((a) => a.status));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // Down for longer than DATABASE_TIMEOUT_MS: every one of them is answered 503.
      await Promise.all(answers);
    } finally {
      await pg.restart();
    }
    const statuses = await Promise.all(answers);
    // Whatever the server had queued for the database must not run now that it is back.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await api.call("POST", "/v1/activities", { key, body: { type: "call" } })).status).toBe(201);
    const written = (await count()) - before - 1;
    const byStatus: Record<number, number> = {};
    for (const status of statuses) byStatus[status] = (byStatus[status] ?? 0) + 1;
    printFigures("database crash, refused while down", { requests: statuses.length, statuses: byStatus, written_after_return: written });
    expect(byStatus).toEqual({ 503: statuses.length });
    expect(written, "rows written by requests answered 503").toBe(0);
  }, 60_000);

  test("exactly one row per logical request, every acknowledged write present, the server never restarted", async () => {
    const api = apiClient(() => server.baseUrl, watch);
    const keys = await Promise.all(Array.from({ length: CLIENTS }, () => fixtures.key(ws, { scopes: ["activities:write"] })));
    const pid = server.child.pid;
    const run = `${Date.now().toString(36)}`;
    const tally = { attempts: 0, retries: 0, on503: 0, on409: 0, connectionErrors: 0, gaveUp: 0, other: {} as Record<string, number> };
    const acknowledged = new Map<number, string>();
    const durations: number[] = [];
    let done = 0;
    let crash: { at: number; back?: number; firstCreated?: number } | undefined;
    let crashing: Promise<void> | undefined;

    const logical = async (index: number, key: string) => {
      const started = performance.now();
      let pause = 20;
      for (;;) {
        tally.attempts++;
        let answered: Answer | undefined;
        try {
          answered = await api.call("POST", "/v1/activities", {
            key,
            headers: { "Idempotency-Key": `crash-${run}-${index}` },
            body: { type: "call", title: `crash ${index}`, description: watch.canary(), metadata: { index } },
          });
        } catch (error) {
          tally.connectionErrors++;
          tally.other[describeError(error)] = (tally.other[describeError(error)] ?? 0) + 1;
        }
        if (answered?.status === 201) {
          acknowledged.set(index, answered.json.data.activity.id);
          if (crash?.back !== undefined && crash.firstCreated === undefined) crash.firstCreated = performance.now();
          return;
        }
        if (answered && answered.status !== 503 && answered.status !== 409) {
          tally.other[`${answered.status} ${answered.json?.error?.code}`] = (tally.other[`${answered.status} ${answered.json?.error?.code}`] ?? 0) + 1;
          return;
        }
        if (answered?.status === 503) tally.on503++;
        if (answered?.status === 409) tally.on409++;
        if (performance.now() - started > GIVE_UP_MS) {
          tally.gaveUp++;
          return;
        }
        tally.retries++;
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 250);
      }
    };

    let next = 0;
    const started = performance.now();
    await Promise.all(
      keys.map(async (key) => {
        for (;;) {
          const index = next++;
          if (index >= REQUESTS) return;
          const t0 = performance.now();
          await logical(index, key);
          durations.push(performance.now() - t0);
          done++;
          if (done === CRASH_AFTER) {
            crash = { at: performance.now() };
            crashing = (async () => {
              await pg.crash();
              await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
              await pg.restart();
              crash!.back = performance.now();
            })();
          }
        }
      }),
    );
    await crashing;
    const elapsed = performance.now() - started;

    const rows = await admin.query<{ id: string; idx: number }>(
      "select 'act_' || id as id, (metadata::jsonb->>'index')::int as idx from app.activities where workspace_id = $1 and metadata::jsonb ? 'index'",
      [ws.workspaceId],
    );
    const perRequest = new Map<number, number>();
    for (const row of rows) perRequest.set(row.idx, (perRequest.get(row.idx) ?? 0) + 1);
    const rowIds = new Set(rows.map((row) => row.id));
    const duplicates = [...perRequest.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const lost = [...acknowledged].filter(([, id]) => !rowIds.has(id)).map(([index]) => index);
    const unacknowledgedRows = [...perRequest.keys()].filter((index) => !acknowledged.has(index)).length;
    const listening = server.logs.filter((line) => line.msg === "listening").length;
    printFigures("database crash", {
      logical_requests: REQUESTS,
      clients: CLIENTS,
      seconds: round(elapsed / 1000),
      crash_after_done: CRASH_AFTER,
      database_down_ms: crash?.back !== undefined ? Math.round(crash.back - crash.at) : null,
      database_back_to_first_201_ms: crash?.back !== undefined && crash.firstCreated !== undefined ? round(crash.firstCreated - crash.back) : null,
      attempts: tally.attempts,
      retries: tally.retries,
      answered_503: tally.on503,
      answered_409: tally.on409,
      connection_errors: tally.connectionErrors,
      other_answers: tally.other,
      gave_up: tally.gaveUp,
      acknowledged: acknowledged.size,
      rows: rows.length,
      duplicates,
      lost: lost.length,
      rows_without_acknowledgement: unacknowledgedRows,
      server_restarted: server.child.pid !== pid || server.child.exitCode !== null || listening !== 1,
      logical_request_p50_ms: round(quantile(durations, 0.5)),
      logical_request_p99_ms: round(quantile(durations, 0.99)),
      logical_request_max_ms: round(quantile(durations, 1)),
    });
    expect(crash?.back, "the database came back").toBeDefined();
    expect(tally.on503 + tally.connectionErrors, "the crash was felt by clients").toBeGreaterThan(0);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.pid).toBe(pid);
    expect(listening).toBe(1);
    expect(tally.gaveUp).toBe(0);
    expect(acknowledged.size).toBe(REQUESTS);
    expect(lost).toEqual([]);
    expect(duplicates).toBe(0);
    expect(rows.length).toBe(REQUESTS);
  }, 300_000);

  test("no API key, webhook secret or request body in any log record or error body", () => {
    printFigures("database crash secrets", watch.counts);
    expect(watch.findings()).toEqual([]);
  });
});
