// pgbench as the SQL-only load generator: the floor (the same row inserted by its owner) and the
// API's own request message without HTTP or Node. Reports transactions/s and the count, so the
// benchmark can divide the cluster's CPU by it.

import { execFile } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PgbenchResult {
  tps: number;
  transactions: number;
  /** Milliseconds, pgbench's own average. */
  latencyAverage: number;
}

export async function pgbench(
  url: string,
  script: string,
  clients: number,
  seconds: number,
  protocol: "prepared" | "simple" = "prepared",
): Promise<PgbenchResult> {
  const { stdout } = await run("pgbench", ["-n", "-M", protocol, "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script, url]);
  const figure = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1]);
  return {
    tps: figure(/tps = ([\d.]+)/),
    transactions: figure(/number of transactions actually processed: (\d+)/),
    latencyAverage: figure(/latency average = ([\d.]+) ms/),
  };
}

/**
 * pgbench with its per-transaction log (-l, in `workDir`), for the latency percentiles pgbench
 * does not print: p50 and p99 in milliseconds over every transaction of the run.
 */
export async function pgbenchWithLatencies(
  url: string,
  script: string,
  clients: number,
  seconds: number,
  protocol: "prepared" | "simple",
  workDir: string,
): Promise<PgbenchResult & { p50: number; p99: number }> {
  const prefix = `pgbench-log-${Date.now()}`;
  const { stdout } = await run(
    "pgbench",
    ["-n", "-M", protocol, "-c", String(clients), "-j", "2", "-T", String(seconds), "-l", `--log-prefix=${join(workDir, prefix)}`, "-f", script, url],
    { cwd: workDir },
  );
  const latencies: number[] = [];
  for (const file of (await readdir(workDir)).filter((name) => name.startsWith(prefix))) {
    const path = join(workDir, file);
    // client_id transaction_no time_us script_no time_epoch time_us_in_second
    for (const line of (await readFile(path, "utf8")).split("\n")) {
      const latency = Number(line.split(" ")[2]);
      if (line && Number.isFinite(latency)) latencies.push(latency / 1000);
    }
    await rm(path);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const figure = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1]);
  return {
    tps: figure(/tps = ([\d.]+)/),
    transactions: figure(/number of transactions actually processed: (\d+)/),
    latencyAverage: figure(/latency average = ([\d.]+) ms/),
    p50: at(0.5),
    p99: at(0.99),
  };
}
