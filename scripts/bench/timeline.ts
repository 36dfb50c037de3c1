// npm run bench:timeline — what a timeline read costs: a contact's first page (25 activities)
// through GET /v1/contacts/{contact_id}/activities, with 1,000,000 activities in the workspace
// and 10,000 on that contact, at BENCH_CLIENTS (32) concurrent clients, on a PostgreSQL cluster of
// the benchmark's own. Side by side in each round, under the same load on the machine:
//
//   • the API: the real Node entry (functions/_node/server.ts) on PostgreSQL, in-memory limiter,
//     request log on, DATABASE_POOL_MAX 16 (the bench world's setting);
//   • pgbench sending the API's own request message (settings + api.list_activities, read-only)
//     as `authenticator`, at the same concurrency: the database's share without HTTP or Node.
//
// For each: requests/s, p50/p99 (wrk's; pgbench's from its per-transaction log), CPU per request
// of the server process and of the whole cluster (from /proc), and the machine's load average —
// the machine is shared, so a p99 means little without it. The target (issue 9) is p99 < 20 ms.
//
// Needs wrk, pgbench, pg_config/initdb (postgresql-15). Options: BENCH_SECONDS (10),
// BENCH_ROUNDS (3), BENCH_CLIENTS (32), BENCH_TOTAL (1000000), BENCH_ON_CONTACT (10000).

import { cpus, loadavg } from "node:os";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_POSTGREST_SETTINGS, requestScript } from "../../functions/_shared/db/postgrest-request.ts";
import { Fixtures } from "../../test/support/fixtures.ts";
import { loadTimelineVolume } from "../../test/support/timeline-volume.ts";
import { runMain, startApi, withBenchWorld } from "./bench-world.ts";
import { processCpuNs, processTreeCpuNs } from "./cpu.ts";
import { pgbenchWithLatencies } from "./pgbench.ts";
import type { Started } from "./processes.ts";
import { median, printCpuTable, type TableRow } from "./report.ts";
import { wrk, writeWrkScript } from "./wrk.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const TOTAL = Number(process.env.BENCH_TOTAL ?? 1_000_000);
const ON_CONTACT = Number(process.env.BENCH_ON_CONTACT ?? 10_000);
const TARGET_P99_MS = 20;

interface Row extends TableRow {
  requests: number;
  p50: number;
  p99: number;
  /** 1-minute load average at the end of the step. */
  load: number;
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(" / ");
const printTable = (title: string, rows: Row[]) =>
  printCpuTable(title, rows, 34, { header: "load 1 m", width: 8, digits: 2, value: (row) => row.load });

async function main(): Promise<void> {
  await withBenchWorld({ workPrefix: "bench-timeline-" }, async (world, work) => {
    const { cluster, admin, ws } = world;
    const key = await new Fixtures(admin).key(ws, { scopes: ["activities:read"] });
    process.stdout.write(`${cpus().length} CPUs; load average (1/5/15 min) before loading: ${load()}\n`);
    const loading = performance.now();
    await loadTimelineVolume(admin, ws, { total: TOTAL, onContact: ON_CONTACT });
    process.stdout.write(`loaded ${TOTAL} activities (${ON_CONTACT} on the contact) in ${((performance.now() - loading) / 1000).toFixed(1)} s\n`);
    // Settled as a long-lived table would be: visibility map set (index-only heap checks), dirty pages written.
    await admin.exec("vacuum analyze app.activities");
    await admin.exec("checkpoint");

    const api = await startApi(world, world.apiUrl());
    const path = `/v1/contacts/${ws.contactId}/activities`;
    const url = `${String(api.announced.url)}${path}`;
    const getScript = await writeWrkScript(join(work, "get.lua"), { method: "GET", body: "", headers: { Authorization: `Bearer ${key}` } });
    // The very message the wire transport sends for this request, as `authenticator`.
    const messageScript = join(work, "api-message.sql");
    const message = requestScript(DEFAULT_POSTGREST_SETTINGS, {
      fn: "list_activities",
      args: { contact_id: ws.contactId, max_results: 25, timeline_of: "contact" },
      apiKey: key,
      readOnly: true,
    });
    await writeFile(messageScript, `${message.split(";\n").join(" \\; ")};\n`);

    const check = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
    const page = (await check.json()) as { data: { activities: unknown[] }; has_more: boolean };
    if (check.status !== 200 || page.data.activities.length !== 25 || !page.has_more) {
      throw new Error(`unexpected answer ${check.status}: ${JSON.stringify(page).slice(0, 300)}`);
    }

    const measure = async (label: string, drive: () => Promise<Omit<Row, "label" | "postgresCpu" | "serverCpu" | "load">>, server?: Started) => {
      const before = { pg: processTreeCpuNs(cluster.pid), server: server ? processCpuNs(server.pid) : 0 };
      const figures = await drive();
      const requests = Math.max(1, figures.requests);
      const row: Row = {
        label,
        ...figures,
        postgresCpu: (processTreeCpuNs(cluster.pid) - before.pg) / 1000 / requests,
        ...(server ? { serverCpu: (processCpuNs(server.pid) - before.server) / 1000 / requests } : {}),
        load: loadavg()[0]!,
      };
      process.stdout.write(`  ${label}: ${row.requestsPerSecond.toFixed(0)}/s, p99 ${row.p99.toFixed(2)} ms, load ${load()}\n`);
      return row;
    };
    const http = () =>
      measure(`API, GET ${path.replace(ws.contactId, "{id}")}`, async () => {
        const result = await wrk(url, getScript, CLIENTS, SECONDS);
        return { requests: result.requests, requestsPerSecond: result.requestsPerSecond, p50: result.p50, p99: result.p99, errors: result.errors };
      }, api);
    const sql = () =>
      measure("pgbench: the API's message", async () => {
        const result = await pgbenchWithLatencies(world.apiUrl(), messageScript, CLIENTS, SECONDS, "simple", work);
        return { requests: result.transactions, requestsPerSecond: result.tps, p50: result.p50, p99: result.p99, errors: 0 };
      });

    process.stdout.write(`\nA contact's timeline page (25 of ${ON_CONTACT}), ${CLIENTS} clients, ${SECONDS} s per step, ${ROUNDS} rounds\n`);
    await wrk(url, getScript, CLIENTS, 2); // warm-up
    await pgbenchWithLatencies(world.apiUrl(), messageScript, CLIENTS, 2, "simple", work);
    const rounds: Row[][] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round}\n`);
      rounds.push([await http(), await sql()]);
    }
    rounds.forEach((round, i) => printTable(`Round ${i + 1} of ${ROUNDS} (CPU per request, from /proc)`, round));
    const p99s = rounds.map(([apiRow]) => apiRow!.p99);
    const p99 = median(p99s);
    process.stdout.write(
      `\nTarget (issue 9): API p99 < ${TARGET_P99_MS} ms at ${CLIENTS} clients: median ${p99.toFixed(2)} ms ` +
        `(rounds: ${p99s.map((v) => v.toFixed(2)).join(", ")}) — ${p99 < TARGET_P99_MS ? "met" : "NOT MET"}\n` +
        `load average (1/5/15 min) at the end: ${load()}\n`,
    );
  });
}

runMain(main);
