// npm run bench:idempotency — what an Idempotency-Key costs, and what a replay costs, side by side
// in one run on a PostgreSQL cluster of the benchmark's own: the real Node entry on PostgreSQL
// (in-memory limiter, request log on), POST /v1/activities with the doc's body, for each step
// requests/s, p50/p99 and CPU per request of the server and of the cluster (from /proc):
//
//   • first writes without a key (the baseline);
//   • first writes, a new Idempotency-Key each (the key read, the lock tried, the response stored);
//   • the same, with expired keys waiting to be purged (each stored response deletes two);
//   • replays: the keys the previous steps stored, sent again with the same body, cycling over
//     them (each answer is the stored one; nothing is written);
//   • replays of one key from every client at once.
//
// BENCH_ROUNDS interleaved rounds (the machine is shared), then the median round of each step.
// Needs wrk, initdb (postgresql-15). Options: BENCH_SECONDS (10), BENCH_ROUNDS (3),
// BENCH_CLIENTS (32), BENCH_EXPIRED (200000 expired keys before the purge step).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { activityBody, runMain, startApi, withBenchWorld } from "./bench-world.ts";
import { processCpuNs, processTreeCpuNs } from "./cpu.ts";
import { median } from "./report.ts";
import { wrk } from "./wrk.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const EXPIRED = Number(process.env.BENCH_EXPIRED ?? 200_000);

interface Row {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Microseconds of CPU per request. */
  serverCpu: number;
  postgresCpu: number;
  /** Answers marked Idempotent-Replayed, counted by the Lua script. */
  replayed: number;
}

/**
 * A wrk script: the doc's body, and an Idempotency-Key per request — none, `prefix-<n>` with n
 * counting up (new keys), `prefix-<n mod cycle>` (replays of keys stored before), or always
 * `prefix` — counting the answers marked as replays (printed to stdout at the end).
 */
async function script(path: string, headers: Record<string, string>, body: string, key: { prefix: string; cycle?: number; fixed?: boolean } | null): Promise<string> {
  const lines = [
    `wrk.method = "POST"`,
    `wrk.body = ${JSON.stringify(body)}`,
    ...Object.entries(headers).map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`),
    "local counter = 0",
    "replayed = 0",
    "local threads = {}",
    "function setup(thread) table.insert(threads, thread) end",
    "function request()",
    "  counter = counter + 1",
    key === null
      ? "  return wrk.format()"
      : key.fixed
        ? `  wrk.headers["Idempotency-Key"] = ${JSON.stringify(key.prefix)}; return wrk.format()`
        : key.cycle
          ? `  wrk.headers["Idempotency-Key"] = ${JSON.stringify(key.prefix)} .. "-" .. (((counter - 1) % ${key.cycle}) + 1); return wrk.format()`
          : `  wrk.headers["Idempotency-Key"] = ${JSON.stringify(key.prefix)} .. "-" .. counter; return wrk.format()`,
    "end",
    "function response(status, headers, body)",
    '  if (headers["idempotent-replayed"] or headers["Idempotent-Replayed"]) == "true" then replayed = replayed + 1 end',
    "end",
    "function done(summary, latency, requests)",
    "  local total = 0",
    '  for _, thread in ipairs(threads) do total = total + thread:get("replayed") end',
    '  io.write("replayed: " .. total .. "\\n")',
    "end",
  ];
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

async function main(): Promise<void> {
  await withBenchWorld({ workPrefix: "bench-idempotency-" }, async (world, work) => {
    const { cluster, ws, key } = world;
    const api = await startApi(world, world.apiUrl());
    const url = `${String(api.announced.url)}/v1/activities`;
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${key}` };
    const body = JSON.stringify(activityBody(ws));

    const measure = async (label: string, scriptPath: string): Promise<Row & { requests: number }> => {
      await world.admin.exec("checkpoint");
      const before = { pg: processTreeCpuNs(cluster.pid), server: processCpuNs(api.pid) };
      const figures = await wrk(url, scriptPath, CLIENTS, SECONDS);
      const per = (ns: number) => ns / 1000 / Math.max(1, figures.requests);
      const row = {
        label,
        ...figures,
        serverCpu: per(processCpuNs(api.pid) - before.server),
        postgresCpu: per(processTreeCpuNs(cluster.pid) - before.pg),
        replayed: figures.replayed ?? 0,
      };
      process.stdout.write(`  ${label}: ${row.requestsPerSecond.toFixed(0)}/s, ${row.errors} errors, ${row.replayed} replayed\n`);
      return row;
    };
    const storedKeys = async () =>
      Number((await world.admin.query<{ n: number }>("select count(*)::int as n from app.idempotency_keys"))[0]!.n);

    process.stdout.write(`POST /v1/activities with Idempotency-Key, ${CLIENTS} clients, ${SECONDS} s per step, ${ROUNDS} rounds (private PostgreSQL cluster, pid ${cluster.pid})\n`);
    await wrk(url, await script(join(work, "warm.lua"), headers, body, { prefix: "warm-up" }), CLIENTS, 2);

    const rounds: Row[][] = [];
    const purged: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round}\n`);
      const plain = await measure("first writes, no key", await script(join(work, `plain-${round}.lua`), headers, body, null));
      const fresh = await measure("first writes, a new key each", await script(join(work, `new-${round}.lua`), headers, body, { prefix: `r${round}` }));
      // Expired keys of another workspace, older than the ones stored so far.
      await world.admin.exec(
        `insert into app.workspaces (id, name) values ('00000000-0000-4000-8000-00000000000${round}', 'expired keys') on conflict do nothing;
         insert into app.idempotency_keys (workspace_id, key, fingerprint, response, created_at)
         select '00000000-0000-4000-8000-00000000000${round}', 'expired-' || n, sha256(''), '{"workspace_id":null}',
                now() - interval '25 hours' - n * interval '1 millisecond'
           from generate_series(1, ${EXPIRED}) n;
         analyze app.idempotency_keys;`,
      );
      const beforePurge = await storedKeys();
      const purging = await measure("first writes, new keys, purging", await script(join(work, `purge-${round}.lua`), headers, body, { prefix: `p${round}` }));
      purged.push(beforePurge + purging.requests - (await storedKeys()));
      await world.admin.exec("delete from app.idempotency_keys where created_at < now() - interval '24 hours'");
      const replays = await measure(
        "replays, cycling over stored keys",
        await script(join(work, `replay-${round}.lua`), headers, body, { prefix: `r${round}`, cycle: fresh.requests }),
      );
      const one = await measure("replays of one key, every client", await script(join(work, `one-${round}.lua`), headers, body, { prefix: `r${round}-1`, fixed: true }));
      rounds.push([plain, fresh, purging, replays, one]);
    }

    const pad = (value: string, width: number) => value.padStart(width);
    const labels = rounds[0]!.map((row) => row.label);
    process.stdout.write(
      `\nMedian of ${ROUNDS} rounds per step (CPU per request, from /proc)\n${"".padEnd(36)} ${pad("req/s", 7)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ` +
        `${pad("errors", 6)} ${pad("replayed", 8)} ${pad("server CPU µs", 13)} ${pad("PostgreSQL CPU µs", 17)}\n`,
    );
    const medians = labels.map((label, i) => {
      const rows = rounds.map((round) => round[i]!);
      const m = (pick: (row: Row) => number) => median(rows.map(pick));
      return { label, rate: m((r) => r.requestsPerSecond), p50: m((r) => r.p50), p99: m((r) => r.p99), errors: rows.reduce((s, r) => s + r.errors, 0), replayed: rows.reduce((s, r) => s + r.replayed, 0), server: m((r) => r.serverCpu), pg: m((r) => r.postgresCpu) };
    });
    for (const row of medians) {
      process.stdout.write(
        `${row.label.padEnd(36)} ${pad(row.rate.toFixed(0), 7)} ${pad(row.p50.toFixed(2), 7)} ${pad(row.p99.toFixed(2), 7)} ${pad(String(row.errors), 6)} ` +
          `${pad(String(row.replayed), 8)} ${pad(row.server.toFixed(0), 13)} ${pad(row.pg.toFixed(0), 17)}\n`,
      );
    }
    const [plain, fresh, purging, replays] = medians;
    process.stdout.write(
      `\nreplays/s vs first writes with a key: ${(replays!.rate / fresh!.rate).toFixed(2)}×; ` +
        `a key's cost on a first write: ${(plain!.rate / fresh!.rate).toFixed(2)}× the time, PostgreSQL CPU ${(fresh!.pg - plain!.pg).toFixed(0)} µs more; ` +
        `purging: ${(purging!.pg - fresh!.pg).toFixed(0)} µs PostgreSQL CPU per write, ${purged.join(", ")} expired keys purged per round\n`,
    );
  });
}

runMain(main);
