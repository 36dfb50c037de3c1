// pgbench as the SQL-only load generator: the floor (the same row inserted by its owner) and the
// API's own request message without HTTP or Node. Reports transactions/s and the count, so the
// benchmark can divide the cluster's CPU by it.

import { execFile } from "node:child_process";
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
