// wrk as the HTTP load generator: a Lua script per request shape, one thread (the other core is
// for the servers and PostgreSQL), and the figures the benchmark reports parsed from its output.

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface WrkResult {
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  requests: number;
  /** Non-2xx answers and socket errors. */
  errors: number;
  /** What a script's done() printed as `replayed: <n>`, when it does. */
  replayed?: number;
}

export interface WrkRequest {
  method: string;
  body: string;
  headers: Record<string, string>;
  /**
   * Offer this many requests per second in all, evenly spaced, whatever the server's speed
   * (as long as the connections suffice): each request waits for the next free slot of one
   * schedule shared by every connection, so a slow answer does not slow the offered load.
   */
  ratePerSecond?: number;
}

/** wrk's delay() hook (LuaJIT): the next slot of a fixed-rate schedule, from the monotonic clock. */
function fixedRate(ratePerSecond: number): string[] {
  return [
    'local ffi = require("ffi")',
    "ffi.cdef[[",
    "typedef struct { long tv_sec; long tv_nsec; } bench_timespec;",
    "int clock_gettime(int clock, bench_timespec *now);",
    "]]",
    'local now_ts = ffi.new("bench_timespec")',
    "local function now_ms()",
    "  ffi.C.clock_gettime(1, now_ts)",
    "  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6",
    "end",
    `local period_ms = ${1000 / ratePerSecond}`,
    "local next_slot = nil",
    "function delay()",
    "  local now = now_ms()",
    "  if next_slot == nil or next_slot < now then next_slot = now end",
    "  local wait = next_slot - now",
    "  next_slot = next_slot + period_ms",
    "  return math.floor(wait)",
    "end",
  ];
}

/** Writes the Lua script wrk runs for `request`. */
export async function writeWrkScript(path: string, request: WrkRequest): Promise<string> {
  const lines = [
    `wrk.method = ${JSON.stringify(request.method)}`,
    `wrk.body = ${JSON.stringify(request.body)}`,
    ...Object.entries(request.headers).map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`),
    ...(request.ratePerSecond === undefined ? [] : fixedRate(request.ratePerSecond)),
  ];
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

function ms(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

export async function wrk(url: string, script: string, connections: number, seconds: number): Promise<WrkResult> {
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
    ...(/replayed: (\d+)/.test(stdout) ? { replayed: Number(line(/replayed: (\d+)/)) } : {}),
  };
}
