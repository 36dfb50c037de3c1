// npm run bench — POST /v1/activities on the real Node server, real PostgreSQL (a database made
// for the run) and real Redis behind the Upstash REST stand-in, each its own process, driven by
// wrk at several concurrencies; and, in the same run, the raw floor: pgbench inserting the same
// row into the same table. Prints requests/s, p50/p99 latency and the ratio to the floor, then
// the latency at half the 32-client throughput (paced), and what each request cost in database
// transactions and Redis commands. A third measurement, in the same run, drives the API's own
// transaction with pgbench, without HTTP, Node or Redis: the ceiling the database sets.
//
// Needs: PostgreSQL on 127.0.0.1:5432 (trust), Redis on 127.0.0.1:6379, `wrk` and `pgbench`
// (apt-get install wrk postgresql-client). Options: BENCH_SECONDS (default 10),
// BENCH_CONCURRENCY (default "1,8,16,32,64").

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { DEFAULT_POSTGREST_SETTINGS, requestScript } from "../../functions/_shared/db/postgrest-request.ts";
import { Fixtures } from "../../test/support/fixtures.ts";
import { createTestDatabase } from "../../test/support/test-database.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "1,8,16,32,64").split(",").map(Number);

const BODY = (contactId: string, dealId: string) => ({
  type: "call",
  title: "Discovery call with Jane",
  description: "Discussed Q2 outsourcing plans; next step is proposal.",
  contact_id: contactId,
  deal_id: dealId,
  metadata: { duration_minutes: 32, direction: "outbound" },
});

interface WrkResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

async function requireTool(tool: string, hint: string): Promise<void> {
  try {
    await run("sh", ["-c", `command -v ${tool}`]);
  } catch {
    throw new Error(`${tool} is not installed (${hint}).`);
  }
}

function ms(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

async function wrk(url: string, script: string, connections: number, seconds: number): Promise<WrkResult> {
  // One wrk thread: the second core is for the server, PostgreSQL, Redis and the stand-in.
  const { stdout } = await run("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url], {
    maxBuffer: 1 << 20,
  });
  const line = (pattern: RegExp) => pattern.exec(stdout)?.[1] ?? "";
  const non2xx = Number(line(/Non-2xx or 3xx responses: (\d+)/) || 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requestsPerSecond: Number(line(/Requests\/sec:\s+([\d.]+)/)),
    p50: ms(line(/\s50%\s+(\S+)/)),
    p99: ms(line(/\s99%\s+(\S+)/)),
    requests: Number(line(/(\d+) requests in/)),
    errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

async function pgbench(url: string, script: string, clients: number, seconds: number, mode = "prepared"): Promise<number> {
  // Prepared statements for the floor: it should be the fastest way to insert that row.
  const { stdout } = await run("pgbench", ["-n", "-M", mode, "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script, url]);
  return Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
}

function startUpstashProcess(): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/upstash-rest.ts", "--port", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => {
      const { url, token } = JSON.parse(chunk.toString()) as { url: string; token: string };
      resolve({ child, url, token });
    });
    child.once("exit", (code) => reject(new Error(`Upstash stand-in exited with ${code}`)));
  });
}

/**
 * The Node entry as its own process, logging every request as in production; its log lines go
 * to a discarded pipe once it is listening, so the benchmark does not spend CPU parsing them.
 */
function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/_node/server.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk;
      const match = /"msg":"listening","url":"([^"]+)"/.exec(buffered);
      if (!match) return;
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolve({ child, baseUrl: match[1]! });
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${buffered}`)));
  });
}

async function redisCommandCount(command: string): Promise<number> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "info", "commandstats"]);
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stdout)?.[1] ?? 0);
}

async function main(): Promise<void> {
  await requireTool("wrk", "apt-get install wrk");
  await requireTool("pgbench", "apt-get install postgresql-client");
  await requireTool("redis-cli", "apt-get install redis-tools");

  const database = await createTestDatabase("bench");
  const work = await mkdtemp(join(tmpdir(), "bench-"));
  const upstash = await startUpstashProcess();
  const fixtures = new Fixtures(database.admin);
  const ws = await fixtures.workspace();
  const key = await fixtures.key(ws, { scopes: ["activities:write"] });
  const server = await startServer({
    DATABASE_URL: database.apiUrl,
    DATABASE_POOL_MAX: "16",
    MIGRATE: "0",
    SEED_DEMO: "0",
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    // Never refuse: the point is to measure the whole path, the Redis round trip included.
    RATE_LIMIT_REQUESTS: "1000000000",
    // The API alone: webhook delivery has its own benchmark (npm run bench:webhooks).
    WEBHOOKS_DISPATCHER: "0",
  });
  const stats = postgres(database.adminUrl, { max: 1, onnotice: () => {} });

  try {
    const body = JSON.stringify(BODY(ws.contactId, ws.dealId));
    const wrkScript = join(work, "post.lua");
    const luaHeaders = `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n` +
      `wrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`;
    await writeFile(wrkScript, luaHeaders);
    const url = `${server.baseUrl}/v1/activities`;

    // The same row, as the superuser straight into the same table (indexes, foreign keys and
    // triggers included; RLS, the key check and everything above SQL excluded).
    const pgbenchScript = join(work, "insert.sql");
    await writeFile(
      pgbenchScript,
      `insert into app.activities (workspace_id, type, title, description, contact_id, deal_id, metadata, created_by_user_id) values ` +
        `('${ws.workspaceId}', 'call', 'Discovery call with Jane', 'Discussed Q2 outsourcing plans; next step is proposal.', ` +
        `'${ws.contactId}', '${ws.dealId}', '{"duration_minutes":32,"direction":"outbound"}', '${ws.userId}');\n`,
    );

    // The API's own transaction without the API: the very message the wire transport sends for
    // this request, driven by pgbench as `authenticator`. What the database alone allows.
    const sqlOnlyScript = join(work, "api-transaction.sql");
    const message = requestScript(DEFAULT_POSTGREST_SETTINGS, {
      fn: "create_activity",
      args: BODY(ws.contactId, ws.dealId),
      apiKey: key,
    });
    await writeFile(sqlOnlyScript, `${message.split(";\n").join(" \\; ")};\n`);
    const authenticatorUrl = database.apiUrl;

    process.stdout.write(`POST /v1/activities: Node server + PostgreSQL + Upstash stand-in over Redis; ${SECONDS} s per step\n`);
    await wrk(url, wrkScript, 32, 3); // warm-up: connections, prepared statements, JIT

    const commits = async () =>
      Number((await stats<{ commits: string }[]>`select xact_commit::bigint as commits from pg_stat_database where datname = ${database.name}`)[0]!.commits);
    const commitsBefore = await commits();
    const evalshaBefore = await redisCommandCount("evalsha");
    const rows: Array<{ c: number; api: WrkResult; floor: number; sqlOnly: number }> = [];
    for (const c of CONCURRENCY) {
      const api = await wrk(url, wrkScript, c, SECONDS);
      const floor = await pgbench(database.adminUrl, pgbenchScript, c, SECONDS);
      const sqlOnly = await pgbench(authenticatorUrl, sqlOnlyScript, c, SECONDS, "simple");
      rows.push({ c, api, floor, sqlOnly });
    }
    const commitsAfter = await commits();
    const evalshaAfter = await redisCommandCount("evalsha");

    const pad = (value: string | number, width: number) => String(value).padStart(width);
    const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;
    process.stdout.write(
      `\n${pad("clients", 7)} ${pad("API req/s", 10)} ${pad("p50 ms", 8)} ${pad("p99 ms", 8)} ${pad("errors", 7)} ` +
        `${pad("floor tps", 10)} ${pad("API/floor", 10)} ${pad("SQL-only tps", 13)} ${pad("SQL/floor", 10)}\n`,
    );
    for (const { c, api, floor, sqlOnly } of rows) {
      process.stdout.write(
        `${pad(c, 7)} ${pad(api.requestsPerSecond.toFixed(0), 10)} ${pad(api.p50.toFixed(2), 8)} ${pad(api.p99.toFixed(2), 8)} ${pad(api.errors, 7)} ` +
          `${pad(floor.toFixed(0), 10)} ${pad(percent(api.requestsPerSecond, floor), 10)} ${pad(sqlOnly.toFixed(0), 13)} ${pad(percent(sqlOnly, floor), 10)}\n`,
      );
    }
    process.stdout.write(
      "floor: pgbench inserting the same row into app.activities as the owner (prepared); " +
        "SQL-only: pgbench sending the API's own transaction message as authenticator (key check, RLS, function, trigger)\n",
    );

    const apiRequests = rows.reduce((sum, row) => sum + row.api.requests, 0);
    const pgbenchTransactions = rows.reduce((sum, row) => sum + (row.floor + row.sqlOnly) * SECONDS, 0);
    // Transactions during the steps = API requests + pgbench's inserts (+ a few from this script).
    const apiTransactions = commitsAfter - commitsBefore - pgbenchTransactions;
    process.stdout.write(
      `\nper API request: ${(apiTransactions / apiRequests).toFixed(2)} PostgreSQL transactions (pg_stat_database.xact_commit, pgbench's subtracted), ` +
        `${((evalshaAfter - evalshaBefore) / apiRequests).toFixed(2)} Redis EVALSHA (INFO commandstats)\n` +
        "round trips per request are counted on the wire by test/node/faults.test.ts (a TCP proxy in front of PostgreSQL): exactly 1\n",
    );

    const at32 = rows.find((row) => row.c === 32);
    if (at32) {
      const target = at32.api.requestsPerSecond / 2;
      // 32 connections, each pausing so that together they offer half the measured throughput.
      const pacedScript = join(work, "paced.lua");
      await writeFile(pacedScript, `${luaHeaders}function delay() return ${Math.round((32 / target) * 1000)} end\n`);
      const paced = await wrk(url, pacedScript, 32, SECONDS);
      process.stdout.write(
        `\nat half the 32-client throughput (${target.toFixed(0)} req/s offered, ${paced.requestsPerSecond.toFixed(0)} served): ` +
          `p50 ${paced.p50.toFixed(2)} ms, p99 ${paced.p99.toFixed(2)} ms, errors ${paced.errors}\n`,
      );
      process.stdout.write(
        `\ntargets: ≥ 40% of the floor at 32 clients → ${((at32.api.requestsPerSecond / at32.floor) * 100).toFixed(1)}%; ` +
          `p99 < 25 ms at half load → ${paced.p99.toFixed(2)} ms\n`,
      );
    }
  } finally {
    await stats.end();
    server.child.kill("SIGTERM");
    upstash.child.kill("SIGTERM");
    await database.drop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
