// Reads a V8 CPU profile (node --cpu-prof) and says where the time went: self time per
// function, and time per source area (our code by folder, each npm package, Node's internals,
// garbage collection), both also as microseconds per request when the request count is given.
// `lastSeconds` keeps only the end of the profile (the measured load, not the start-up).
//
//   node --import tsx scripts/bench/cpu-profile.ts <file.cpuprofile> [requests] [lastSeconds]

import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package, a folder of ours, Node itself, or V8's own bookkeeping. */
export function area(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const ours = /\/(functions\/[^/]+(?:\/[^/]+)?|scripts|test)\//.exec(url);
  return ours ? ours[1]! : url;
}

export function summarize(profile: Profile, requests?: number, lastSeconds?: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  const from = lastSeconds === undefined ? -Infinity : profile.endTime - lastSeconds * 1e6;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= from) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  // Idle is waiting, not CPU.
  for (const [id, node] of byId) if (node.callFrame.functionName === "(idle)") selfMicros.delete(id);
  const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);

  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url === "" ? "" : ` ${url.replace(/^.*?(node_modules\/|functions\/|scripts\/)/, "$1")}:${lineNumber + 1}`;
    const name = `${functionName || "(anonymous)"}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const key = area(url, functionName);
    byArea.set(key, (byArea.get(key) ?? 0) + micros);
  }
  const line = (name: string, micros: number) =>
    `${((micros / total) * 100).toFixed(1).padStart(6)}%${requests ? `${(micros / requests).toFixed(1).padStart(9)} µs/req` : ""}  ${name}`;
  const top = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, micros]) => line(name, micros));
  return [
    `sampled ${(total / 1000).toFixed(0)} ms on the CPU${requests ? ` over ${requests} requests: ${(total / requests).toFixed(1)} µs per request` : ""}`,
    "",
    "self time by area",
    ...top(byArea, 25),
    "",
    "self time by function (top 40)",
    ...top(byFunction, 40),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, requests, lastSeconds] = process.argv.slice(2);
  if (!file) throw new Error("usage: cpu-profile.ts <file.cpuprofile> [requests] [lastSeconds]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  process.stdout.write(`${summarize(profile, requests ? Number(requests) : undefined, lastSeconds ? Number(lastSeconds) : undefined)}\n`);
}
