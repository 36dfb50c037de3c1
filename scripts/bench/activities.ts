// npm run bench — what a write costs, side by side in one run, on a PostgreSQL cluster of the
// benchmark's own (so that /proc's CPU of the whole cluster is ours alone):
//
//   • this API: the real Node entry (functions/_node/server.ts) on PostgreSQL, with the
//     in-memory limiter, and with Redis behind the Upstash REST stand-in; request log on;
//   • the hand-written peer (scripts/bench/peer.ts): Hono + postgres.js as the tables' owner,
//     prepared key, contact and deal queries, then insert RETURNING;
//   • pgbench inserting the same row as its owner (the floor), and pgbench sending the API's
//     own request message as `authenticator` (what the database alone spends on it).
//
// For each: requests/s, p50/p99, and CPU per request of the server process and of PostgreSQL
// (every process of the cluster: backends, WAL writer, checkpointer…), over BENCH_ROUNDS
// interleaved rounds (the machine is shared: ratios are compared within a round, then the
// median round is reported with the spread). Then the API and the peer with the database
// BENCH_RTT_MS away (a delaying TCP proxy) at 8 and 32 clients; then the latency at half the
// API's 32-client throughput, offered at a fixed rate; then the issue's targets, met or not.
// Then the batch scenario (issue 10): rows/s through POST /v1/activities/batch, 100 activities
// per request, at 8 and 32 clients, against pgbench inserting the same 100 rows per transaction
// (one multi-row INSERT as the owner) at the same client counts, in the same run.
//
// Needs wrk, pgbench, pg_config/initdb (postgresql-15), redis-cli and Redis on 127.0.0.1:6379.
// Options: BENCH_SECONDS (10), BENCH_ROUNDS (3), BENCH_CLIENTS (32), BENCH_RTT_MS (2),
// BENCH_PROFILE=1 (pg_stat_statements in the private cluster; prints the top statements),
// BENCH_ONLY=batch (only the batch scenario).

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_POSTGREST_SETTINGS, requestScript } from "../../functions/_shared/db/postgrest-request.ts";
import { activityBody, runMain, startApi, startPeer, withBenchWorld } from "./bench-world.ts";
import { processCpuNs, processTreeCpuNs } from "./cpu.ts";
import { pgbench } from "./pgbench.ts";
import { type Started, startProcess } from "./processes.ts";
import { median, printCpuTable, type TableRow } from "./report.ts";
import { wrk, writeWrkScript } from "./wrk.ts";

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 2);
const PROFILE = process.env.BENCH_PROFILE === "1";
const ONLY_BATCH = process.env.BENCH_ONLY === "batch";
const BATCH_SIZE = 100;

interface Row extends TableRow {
  /** Other processes on the path (the Upstash stand-in and Redis), µs per request. */
  otherCpu?: number;
}

async function requireTool(tool: string, hint: string): Promise<void> {
  try {
    await run("sh", ["-c", `command -v ${tool}`]);
  } catch {
    throw new Error(`${tool} is not installed (${hint}).`);
  }
}

async function redisPid(): Promise<number> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "info", "server"]);
  return Number(/process_id:(\d+)/.exec(stdout)?.[1]);
}

const printTable = (title: string, rows: Row[]) =>
  printCpuTable(title, rows, 36, { header: "other CPU µs", width: 12, digits: 0, value: (row) => row.otherCpu });

async function main(): Promise<void> {
  await requireTool("wrk", "apt-get install wrk");
  await requireTool("pgbench", "apt-get install postgresql-client");
  await requireTool("redis-cli", "apt-get install redis-tools");

  await withBenchWorld({ statementStats: PROFILE, workPrefix: "bench-" }, async (world, work) => {
    const { cluster, ws, key, keyId } = world;
    const upstash = await world.start(
      startProcess("test/support/upstash-rest.ts", { args: ["--port", "0"], ready: (line) => typeof line.url === "string" }),
    );
    const proxy = await world.start(
      startProcess("scripts/bench/delay-proxy.ts", {
        args: ["--target", `127.0.0.1:${new URL(cluster.url()).port}`, "--rtt-ms", String(RTT_MS)],
        ready: (line) => line.msg === "listening",
      }),
    );
    const far = String(proxy.announced.port);
    const upstashEnv = { UPSTASH_REDIS_REST_URL: String(upstash.announced.url), UPSTASH_REDIS_REST_TOKEN: String(upstash.announced.token) };
    const api = await startApi(world, world.apiUrl());
    const servers = ONLY_BATCH
      ? { api }
      : {
          api,
          apiRedis: await startApi(world, world.apiUrl(), upstashEnv),
          peer: await startPeer(world, world.ownerUrl()),
          apiFar: await startApi(world, world.apiUrl(far)),
          peerFar: await startPeer(world, world.ownerUrl(far)),
        };
    const redis = await redisPid();

    const request = {
      method: "POST",
      body: JSON.stringify(activityBody(ws)),
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    };
    const postScript = await writeWrkScript(join(work, "post.lua"), request);
    const url = (server: Started) => `${String(server.announced.url)}/v1/activities`;

    // The same row, inserted by the tables' owner (indexes, foreign keys and the webhook trigger
    // included; the key check, RLS and everything above SQL excluded).
    const floorScript = join(work, "insert.sql");
    await writeFile(
      floorScript,
      `insert into app.activities (workspace_id, type, title, description, contact_id, deal_id, metadata, created_by_user_id, api_key_id) values ` +
        `('${ws.workspaceId}', 'call', 'Discovery call with Jane', 'Discussed Q2 outsourcing plans; next step is proposal.', ` +
        `'${ws.contactId}', '${ws.dealId}', '{"duration_minutes":32,"direction":"outbound"}', '${ws.userId}', '${keyId}');\n`,
    );
    // The very message the wire transport sends for this request, as `authenticator`.
    const messageScript = join(work, "api-message.sql");
    const message = requestScript(DEFAULT_POSTGREST_SETTINGS, { fn: "create_activity", args: activityBody(ws), apiKey: key });
    await writeFile(messageScript, `${message.split(";\n").join(" \\; ")};\n`);

    /** One step: CPU of the cluster (and of the server and `others`) around `drive`. */
    const measure = async (
      label: string,
      drive: () => Promise<{ requests: number; figures: Omit<Row, "label" | "postgresCpu" | "serverCpu" | "otherCpu"> }>,
      server?: Started,
      others: number[] = [],
    ): Promise<Row> => {
      await world.admin.exec("checkpoint"); // every step starts from the same WAL state (full-page writes)
      const before = { pg: processTreeCpuNs(cluster.pid), server: server ? processCpuNs(server.pid) : 0, others: others.map(processCpuNs) };
      const { requests, figures } = await drive();
      const perRequest = (ns: number) => ns / 1000 / Math.max(1, requests);
      const row: Row = {
        label,
        ...figures,
        postgresCpu: perRequest(processTreeCpuNs(cluster.pid) - before.pg),
        ...(server ? { serverCpu: perRequest(processCpuNs(server.pid) - before.server) } : {}),
        ...(others.length ? { otherCpu: perRequest(others.reduce((sum, pid, i) => sum + processCpuNs(pid) - before.others[i]!, 0)) } : {}),
      };
      process.stdout.write(`  ${label}: ${row.requestsPerSecond.toFixed(0)}/s\n`);
      return row;
    };
    const http = (label: string, server: Started, clients: number, others: number[] = [], script = postScript) =>
      measure(
        label,
        async () => {
          const figures = await wrk(url(server), script, clients, SECONDS);
          return { requests: figures.requests, figures };
        },
        server,
        others,
      );
    const sql = (label: string, databaseUrl: string, script: string, protocol: "prepared" | "simple") =>
      measure(label, async () => {
        const result = await pgbench(databaseUrl, script, CLIENTS, SECONDS, protocol);
        return { requests: result.transactions, figures: { requestsPerSecond: result.tps, errors: 0 } };
      });

    if (!ONLY_BATCH) {
      process.stdout.write(
        `POST /v1/activities, ${CLIENTS} clients, ${SECONDS} s per step, ${ROUNDS} rounds (private PostgreSQL cluster, pid ${cluster.pid})\n`,
      );
      for (const server of Object.values(servers)) await wrk(url(server), postScript, CLIENTS, 2); // warm-up
      await pgbench(world.ownerUrl(), floorScript, CLIENTS, 2);

      const rounds: Row[][] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        process.stdout.write(`round ${round}\n`);
        rounds.push([
          await http("API, in-memory limiter", servers.api, CLIENTS),
          await http("API, Upstash stand-in + Redis", servers.apiRedis!, CLIENTS, [upstash.pid, redis]),
          await http("hand-written peer", servers.peer!, CLIENTS),
          await sql("pgbench: insert as owner (floor)", world.ownerUrl(), floorScript, "prepared"),
          await sql("pgbench: the API's message", world.apiUrl(), messageScript, "simple"),
        ]);
      }

      process.stdout.write(`\nThe database ${RTT_MS} ms away (round trip through a delaying TCP proxy)\n`);
      const distant: Row[] = [];
      for (const clients of [8, CLIENTS]) {
        distant.push(await http(`API, ${clients} clients`, servers.apiFar!, clients));
        distant.push(await http(`peer, ${clients} clients`, servers.peerFar!, clients));
      }

      // Ratios within each round (same load on the machine), then the median round.
      const ratios = rounds.map(([api, , peer, floor]) => ({
        pgVsPeer: api!.postgresCpu / peer!.postgresCpu,
        pgVsFloor: api!.postgresCpu / floor!.postgresCpu,
        rateVsPeer: api!.requestsPerSecond / peer!.requestsPerSecond,
        nodeCpu: api!.serverCpu!,
      }));
      const middle = rounds[ratios.map((r) => r.pgVsPeer).indexOf(median(ratios.map((r) => r.pgVsPeer)))]!;
      const half = median(rounds.map((round) => round[0]!.requestsPerSecond)) / 2;
      process.stdout.write(`\nAt half the API's ${CLIENTS}-client throughput (${half.toFixed(0)} req/s offered at a fixed rate over ${CLIENTS} connections)\n`);
      const pacedScript = await writeWrkScript(join(work, "paced.lua"), { ...request, ratePerSecond: half });
      const paced = [
        await http("API, in-memory limiter", servers.api, CLIENTS, [], pacedScript),
        await http("API, Upstash stand-in + Redis", servers.apiRedis!, CLIENTS, [upstash.pid, redis], pacedScript),
        await http("hand-written peer", servers.peer!, CLIENTS, [], pacedScript),
      ];

      rounds.forEach((round, i) => printTable(`Per write, ${CLIENTS} clients, round ${i + 1} of ${ROUNDS} (CPU per request, from /proc)`, round));
      printTable(`The database ${RTT_MS} ms away`, distant);
      printTable(`At half the API's ${CLIENTS}-client throughput`, paced);
      process.stdout.write("\nround trips per request are counted on the wire by test/node/faults.test.ts: exactly 1\n");

      const spread = (pick: (r: (typeof ratios)[number]) => number, digits = 2) => {
        const values = ratios.map(pick);
        return `median ${median(values).toFixed(digits)} (rounds: ${values.map((v) => v.toFixed(digits)).join(", ")})`;
      };
      const at8 = (label: string) => distant.find((row) => row.label === `${label}, 8 clients`)!;
      const targets: Array<[string, number, string, string, boolean]> = [
        ["PostgreSQL CPU per write, API / peer", median(ratios.map((r) => r.pgVsPeer)), spread((r) => r.pgVsPeer), "≤ 0.80", median(ratios.map((r) => r.pgVsPeer)) <= 0.8],
        ["PostgreSQL CPU per write, API / pgbench insert", median(ratios.map((r) => r.pgVsFloor)), spread((r) => r.pgVsFloor), "≤ 1.30", median(ratios.map((r) => r.pgVsFloor)) <= 1.3],
        ["requests/s, API / peer", median(ratios.map((r) => r.rateVsPeer)), spread((r) => r.rateVsPeer), "≥ 1.30", median(ratios.map((r) => r.rateVsPeer)) >= 1.3],
        ["Node CPU per request, API (µs)", median(ratios.map((r) => r.nodeCpu)), spread((r) => r.nodeCpu, 0), "≤ 250", median(ratios.map((r) => r.nodeCpu)) <= 250],
        [`p99 at half the ${CLIENTS}-client throughput, API (ms)`, paced[0]!.p99!, "", "< 25", paced[0]!.p99! < 25],
        [`p50 at 8 clients, database ${RTT_MS} ms away, API / peer`, at8("API").p50! / at8("peer").p50!, "", "≤ 0.50", at8("API").p50! / at8("peer").p50! <= 0.5],
      ];
      process.stdout.write(`\nTargets (issue 11; API = in-memory limiter; median round ${rounds.indexOf(middle) + 1})\n`);
      for (const [name, value, detail, target, met] of targets) {
        process.stdout.write(`  ${name.padEnd(54)} ${value.toFixed(2).padStart(8)}  target ${target.padEnd(7)} ${(met ? "met" : "NOT MET").padEnd(8)} ${detail}\n`);
      }
    }

    // Batch (issue 10): rows per second, 100 rows per request or transaction, same table, same run.
    const batchBody = { activities: Array.from({ length: BATCH_SIZE }, () => activityBody(ws)) };
    const batchScript = await writeWrkScript(join(work, "batch.lua"), { ...request, body: JSON.stringify(batchBody) });
    const batchFloorScript = join(work, "insert-batch.sql");
    const row =
      `('${ws.workspaceId}', 'call', 'Discovery call with Jane', 'Discussed Q2 outsourcing plans; next step is proposal.', ` +
      `'${ws.contactId}', '${ws.dealId}', '{"duration_minutes":32,"direction":"outbound"}', '${ws.userId}', '${keyId}')`;
    await writeFile(
      batchFloorScript,
      `insert into app.activities (workspace_id, type, title, description, contact_id, deal_id, metadata, created_by_user_id, api_key_id) values ` +
        `${Array.from({ length: BATCH_SIZE }, () => row).join(", ")};\n`,
    );
    process.stdout.write(`\nBatch: ${BATCH_SIZE} activities per request (API) or per transaction (pgbench, as owner), ${SECONDS} s per step\n`);
    await wrk(`${String(servers.api.announced.url)}/v1/activities/batch`, batchScript, 8, 2); // warm-up
    await pgbench(world.ownerUrl(), batchFloorScript, 8, 2);
    const batchRows: Row[] = [];
    const batchRatios: Array<[number, number]> = [];
    for (const clients of [8, 32]) {
      const viaApi = await measure(
        `API batch, ${clients} clients`,
        async () => {
          const figures = await wrk(`${String(servers.api.announced.url)}/v1/activities/batch`, batchScript, clients, SECONDS);
          return { requests: figures.requests * BATCH_SIZE, figures: { ...figures, requestsPerSecond: figures.requestsPerSecond * BATCH_SIZE } };
        },
        servers.api,
      );
      const floor = await measure(`pgbench ${BATCH_SIZE}-row insert, ${clients} clients`, async () => {
        const result = await pgbench(world.ownerUrl(), batchFloorScript, clients, SECONDS);
        return { requests: result.transactions * BATCH_SIZE, figures: { requestsPerSecond: result.tps * BATCH_SIZE, errors: 0 } };
      });
      batchRows.push(viaApi, floor);
      batchRatios.push([clients, viaApi.requestsPerSecond / floor.requestsPerSecond]);
    }
    printTable(`Batch: rows/s and CPU per row (µs), ${BATCH_SIZE} per request or transaction (p50/p99 are per request)`, batchRows);
    process.stdout.write(`\nTarget (issue 10): rows/s through the batch route ≥ 50% of pgbench's ${BATCH_SIZE}-row insert\n`);
    for (const [clients, ratio] of batchRatios) {
      process.stdout.write(`  ${`${clients} clients: API / pgbench rows/s`.padEnd(54)} ${ratio.toFixed(2).padStart(8)}  target ≥ 0.50  ${ratio >= 0.5 ? "met" : "NOT MET"}\n`);
    }

    if (PROFILE) {
      const top = await world.admin.query<{ calls: string; mean_us: string; query: string }>(
        `select calls::text, round((total_exec_time / calls * 1000)::numeric, 1)::text as mean_us, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) as query
           from pg_stat_statements where dbid = (select oid from pg_database where datname = 'bench')
          order by total_exec_time desc limit 25`,
      );
      process.stdout.write("\npg_stat_statements (top 25 by total time; nested statements included)\n");
      for (const row of top) process.stdout.write(`${row.calls.padStart(9)} ${row.mean_us.padStart(9)} µs  ${row.query}\n`);
    }
  });
}

runMain(main);
