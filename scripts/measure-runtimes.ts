// Cold start per runtime and bundle size of the edge function, measured on this machine.
//
//   npx tsx scripts/measure-runtimes.ts [--runs 5]     (needs PostgreSQL and Redis, like the tests)
//
// Cold start = from spawning the process (Node, Deno) or constructing Miniflare (workerd) to
// the first 201 of POST /v1/activities over real HTTP: runtime start, module loading, env
// validation, the first database connection and the first rate-limit call, all included. The
// data paths are the tests' own: a fresh database as `authenticator`, the Upstash REST stand-in
// over the local Redis, and the PostgREST stand-in for supabase-js. Deno runs twice per data
// path: with an empty DENO_DIR (no V8 code cache yet) and with a warm one. The Workers bundle is
// built once beforehand (a deploy does it; it is not part of a cold start). Prints a table.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";
import { startDenoServer } from "../test/support/deno-server.ts";
import { Fixtures } from "../test/support/fixtures.ts";
import { startNodeServer } from "../test/support/node-server.ts";
import { signJwt, startPostgrestStandIn } from "../test/support/postgrest-stand-in.ts";
import { createTestDatabase } from "../test/support/test-database.ts";
import { startUpstashRest } from "../test/support/upstash-rest.ts";
import { readWranglerConfig } from "../test/support/wrangler-config.ts";
import { bundle, ROOT, SUPABASE_BUILD, WORKER_BUILD } from "./edge-bundle.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);

const database = await createTestDatabase("measure_runtimes");
const upstash = await startUpstashRest();
const jwtSecret = "measure-runtimes-jwt-secret-of-32-or-more-chars";
const postgrest = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret });
const anonKey = signJwt({ iss: "supabase", role: "anon" }, jwtSecret);
const fixtures = new Fixtures(database.admin);
const workspace = await fixtures.workspace();
const common = { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token, LOG_LEVEL: "warn" };
const viaPostgres = { ...common, DATABASE_URL: database.apiUrl };
const viaPostgrest = { ...common, SUPABASE_URL: postgrest.url, SUPABASE_ANON_KEY: anonKey };

/** POSTs until the first 201 (a fresh key each run, so no rate-limit or cache state carries over). */
async function firstCreated(base: string, key: string): Promise<void> {
  const response = await fetch(new URL("/v1/activities", base), {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ type: "call", title: "cold start" }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`expected 201, got ${response.status}: ${text}`);
}

interface Row {
  runtime: string;
  samples: number[];
}
const rows: Row[] = [];

async function measure(runtime: string, runs: number, once: (key: string) => Promise<number>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(await fixtures.key(workspace)));
  rows.push({ runtime, samples });
  console.error(`${runtime}: ${samples.map((ms) => ms.toFixed(0)).join(", ")} ms`);
}

const lowerLogs = { LOG_LEVEL: "info" }; // the harness waits for the "listening" line (info)

await measure("Node (_node/server.ts, postgres.js)", RUNS, async (key) => {
  const started = performance.now();
  const server = await startNodeServer({ ...viaPostgres, ...lowerLogs, MIGRATE: "0", SEED_DEMO: "0" });
  await firstCreated(server.baseUrl, key);
  const elapsed = performance.now() - started;
  await server.stop();
  return elapsed;
});

for (const [label, env] of [["postgres.js", viaPostgres], ["supabase-js → PostgREST", viaPostgrest]] as const) {
  await measure(`Deno (index.ts, ${label}), empty DENO_DIR`, RUNS, async (key) => {
    const denoDir = await mkdtemp(join(tmpdir(), "deno-cold-"));
    try {
      const started = performance.now();
      const server = await startDenoServer({ ...env, ...lowerLogs, DENO_DIR: denoDir });
      await firstCreated(server.baseUrl, key);
      const elapsed = performance.now() - started;
      await server.stop();
      return elapsed;
    } finally {
      await rm(denoDir, { recursive: true, force: true });
    }
  });
  await measure(`Deno (index.ts, ${label}), warm DENO_DIR`, RUNS, async (key) => {
    const started = performance.now();
    const server = await startDenoServer({ ...env, ...lowerLogs });
    await firstCreated(server.baseUrl, key);
    const elapsed = performance.now() - started;
    await server.stop();
    return elapsed;
  });
}

const config = await readWranglerConfig();
const worker = await bundle(WORKER_BUILD);
for (const [label, dataPath] of [
  ["postgres.js via Hyperdrive", { hyperdrives: { HYPERDRIVE: withPassword(database.apiUrl) }, bindings: common }],
  ["supabase-js → PostgREST", { bindings: viaPostgrest }],
] as const) {
  await measure(`workerd via Miniflare (worker.ts, ${label})`, RUNS, async (key) => {
    const started = performance.now();
    const miniflare = new Miniflare({
      modules: [{ type: "ESModule", path: join(ROOT, "worker.js"), contents: worker.code }],
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      bindings: { ...config.vars, ...dataPath.bindings },
      ...("hyperdrives" in dataPath ? { hyperdrives: dataPath.hyperdrives } : {}),
      host: "127.0.0.1",
      port: 0,
    });
    try {
      await firstCreated((await miniflare.ready).toString(), key);
      return performance.now() - started;
    } finally {
      await miniflare.dispose();
    }
  });
}

const supabase = await bundle(SUPABASE_BUILD);
await postgrest.close();
await upstash.close();
await database.drop();

const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const cpu = (await readFile("/proc/cpuinfo", "utf8").catch(() => "")).match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
console.log(`\nCold start: process start (Miniflare construction for workerd) → first 201, ${RUNS} runs, ${cpu}, Node ${process.version}\n`);
console.log("| runtime and data path | median ms | min ms | max ms |");
console.log("|---|---:|---:|---:|");
for (const { runtime, samples } of rows) {
  console.log(`| ${runtime} | ${median(samples).toFixed(0)} | ${Math.min(...samples).toFixed(0)} | ${Math.max(...samples).toFixed(0)} |`);
}
console.log("\nBundle size of the edge function (esbuild, minified; gzip -9):\n");
console.log("| bundle | bytes | gzip bytes |");
console.log("|---|---:|---:|");
console.log(`| Workers (functions/api-gateway/worker.ts) | ${worker.bytes} | ${worker.gzipBytes} |`);
console.log(`| Supabase (functions/api-gateway/index.ts, Node built-ins external) | ${supabase.bytes} | ${supabase.gzipBytes} |`);

function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = "local"; // Miniflare's Hyperdrive emulation requires one; the local server trusts.
  return parsed.toString();
}
