// npm run bench:profile — where the Node entry spends its CPU per request under load: the API
// (in-memory limiter, request log on) on the benchmark's private PostgreSQL cluster, driven by
// wrk at 32 clients for BENCH_SECONDS (10) under `node --cpu-prof`, then the profile read back
// as self time per area (our folders, each package, Node internals, GC) and per function, in
// µs per request. BENCH_UPSTASH=1 puts Redis behind the Upstash REST stand-in as the limiter.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { activityBody, runMain, startApi, withBenchWorld } from "./bench-world.ts";
import { type Profile, summarize } from "./cpu-profile.ts";
import { processCpuNs } from "./cpu.ts";
import { startProcess } from "./processes.ts";
import { wrk, writeWrkScript } from "./wrk.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);

async function main(): Promise<void> {
  await withBenchWorld({ workPrefix: "bench-profile-" }, async (world, work) => {
    const env: Record<string, string> = {};
    if (process.env.BENCH_UPSTASH === "1") {
      const upstash = await world.start(
        startProcess("test/support/upstash-rest.ts", { args: ["--port", "0"], ready: (line) => typeof line.url === "string" }),
      );
      env.UPSTASH_REDIS_REST_URL = String(upstash.announced.url);
      env.UPSTASH_REDIS_REST_TOKEN = String(upstash.announced.token);
    }
    const api = await startApi(world, world.apiUrl(), env, ["--cpu-prof", `--cpu-prof-dir=${work}`]);
    const script = await writeWrkScript(join(work, "post.lua"), {
      method: "POST",
      body: JSON.stringify(activityBody(world.ws)),
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${world.key}` },
    });
    const url = `${String(api.announced.url)}/v1/activities`;
    await wrk(url, script, CLIENTS, 3); // warm-up (JIT, connections, prepared statements)
    const before = processCpuNs(api.pid);
    const result = await wrk(url, script, CLIENTS, SECONDS);
    const cpu = (processCpuNs(api.pid) - before) / 1000 / result.requests;
    await api.stop(); // --cpu-prof writes the profile as the process exits
    const [file] = (await readdir(work)).filter((name) => name.endsWith(".cpuprofile"));
    if (!file) throw new Error("no .cpuprofile written");
    process.stdout.write(
      `POST /v1/activities, ${CLIENTS} clients, ${SECONDS} s: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
        `Node CPU ${cpu.toFixed(0)} µs per request (/proc; the profiler adds its own)\n\n`,
    );
    // Only the measured window: the profile also holds the start-up and the warm-up.
    const profile = JSON.parse(await readFile(join(work, file), "utf8")) as Profile;
    if (process.env.BENCH_PROFILE_OUT) await writeFile(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
    process.stdout.write(`${summarize(profile, result.requests, SECONDS)}\n`);
  });
}

runMain(main, "profile");
