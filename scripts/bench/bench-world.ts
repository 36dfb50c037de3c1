// What every benchmark of the write path starts from: a private PostgreSQL cluster with the
// real compat script and migrations, one workspace with a contact, a deal and a write-only key,
// the doc's request body, and the servers under test (the Node entry, the hand-written peer)
// started as processes of their own. close() stops them all and removes the cluster.
// withBenchWorld() and runMain() are the frame every benchmark's main() shares.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../../functions/_node/migrations.ts";
import { postgresExecutor, type SqlExecutor } from "../../functions/_node/sql-executor.ts";
import { Fixtures, type Workspace } from "../../test/support/fixtures.ts";
import { type PrivatePostgres, startPrivatePostgres } from "./private-postgres.ts";
import { type Started, startProcess } from "./processes.ts";

export const activityBody = (ws: Workspace) => ({
  type: "call",
  title: "Discovery call with Jane",
  description: "Discussed Q2 outsourcing plans; next step is proposal.",
  contact_id: ws.contactId,
  deal_id: ws.dealId,
  metadata: { duration_minutes: 32, direction: "outbound" },
});

export interface BenchWorld {
  cluster: PrivatePostgres;
  /** The owner, on the benchmark's database. */
  admin: SqlExecutor;
  ws: Workspace;
  /** A key with activities:write, and its id. */
  key: string;
  keyId: string;
  /** The database as the API reaches it (`authenticator`) or as the owner, optionally via another port. */
  apiUrl(port?: string): string;
  ownerUrl(port?: string): string;
  /** Starts a process that close() will stop. */
  start(starting: Promise<Started>): Promise<Started>;
  close(): Promise<void>;
}

export async function openBenchWorld(options: { statementStats?: boolean } = {}): Promise<BenchWorld> {
  const cluster = await startPrivatePostgres(
    options.statementStats ? { preload: ["pg_stat_statements"], settings: { "pg_stat_statements.track": "all" } } : {},
  );
  const processes: Started[] = [];
  let admin: SqlExecutor | undefined;
  const close = async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await admin?.close();
    await cluster.stop();
  };
  try {
    const control = postgresExecutor(cluster.url(), { max: 1 });
    await control.exec("create database bench");
    await control.close();
    admin = postgresExecutor(cluster.url("bench"), { max: 2 });
    await migrate(admin);
    if (options.statementStats) await admin.exec("create extension pg_stat_statements");
    const fixtures = new Fixtures(admin);
    const ws = await fixtures.workspace();
    const key = await fixtures.key(ws, { scopes: ["activities:write"] });
    const [row] = await admin.query<{ id: string }>("select id from app.api_keys where workspace_id = $1", [ws.workspaceId]);
    const port = new URL(cluster.url()).port;
    const via = (url: string, to = port) => url.replace(`:${port}/`, `:${to}/`);
    return {
      cluster,
      admin,
      ws,
      key,
      keyId: row!.id,
      apiUrl: (to) => via(cluster.url("bench", "authenticator"), to),
      ownerUrl: (to) => via(cluster.url("bench"), to),
      async start(starting) {
        const started = await starting;
        processes.push(started);
        return started;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Runs `body` with a bench world and a scratch directory (wrk scripts, profiles) named
 * `workPrefix…` under the system's temporary folder; then closes the world and removes the folder,
 * whether `body` succeeded or not.
 */
export async function withBenchWorld<T>(
  options: { statementStats?: boolean; workPrefix: string },
  body: (world: BenchWorld, work: string) => Promise<T>,
): Promise<T> {
  const world = await openBenchWorld({ statementStats: options.statementStats });
  let work: string | undefined;
  try {
    work = await mkdtemp(join(tmpdir(), options.workPrefix));
    return await body(world, work);
  } finally {
    await world.close();
    if (work) await rm(work, { recursive: true, force: true });
  }
}

/** A benchmark's entry: runs `main`; on failure prints `<what> failed: <stack>` and exits 1. */
export function runMain(main: () => Promise<void>, what = "bench"): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${what} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

/**
 * The Node entry (functions/_node/server.ts) on `databaseUrl`, as the benchmarks run it:
 * request log on, no limit reached, no webhook dispatcher (it has its own benchmark).
 */
export function startApi(world: BenchWorld, databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Started> {
  return world.start(
    startProcess("functions/_node/server.ts", {
      env: {
        PORT: "0",
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_MAX: "16",
        MIGRATE: "0",
        SEED_DEMO: "0",
        RATE_LIMIT_REQUESTS: "1000000000",
        WEBHOOKS_DISPATCHER: "0",
        ...env,
      },
      nodeArgs,
      ready: (line) => line.msg === "listening",
    }),
  );
}

/** The hand-written peer (scripts/bench/peer.ts), connected as the tables' owner. */
export function startPeer(world: BenchWorld, databaseUrl: string): Promise<Started> {
  return world.start(
    startProcess("scripts/bench/peer.ts", {
      env: { PORT: "0", DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: "16" },
      ready: (line) => line.msg === "listening",
    }),
  );
}
