// CPU time of processes, read from /proc, for "CPU per request": a snapshot before and after a
// step, the difference divided by the requests served. Live tasks are read from
// /proc/<pid>/task/<tid>/schedstat (nanoseconds on the CPU, every thread); processes that ended
// during the step (pgbench's connections, say) are found in their parent's cutime/cstime, which
// the kernel keeps in clock ticks.

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICK_NS = 1e9 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Fields of /proc/<pid>/stat after the command name (which may itself hold spaces and parens). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // ended meanwhile
  }
}

/** Nanoseconds on the CPU of every thread of `pid` so far (0 once it has ended). */
export function processCpuNs(pid: number): number {
  let total = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread ended meanwhile
    }
  }
  return total;
}

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]); // field 4, ppid
    byParent.set(parent, [...(byParent.get(parent) ?? []), Number(entry)]);
  }
  return byParent;
}

/**
 * Nanoseconds on the CPU of `root` and all its descendants so far, including those that have
 * ended and been reaped (counted in their parent's cutime/cstime, fields 16 and 17).
 */
export function processTreeCpuNs(root: number): number {
  const byParent = children();
  let total = 0;
  const visit = (pid: number) => {
    total += processCpuNs(pid);
    const fields = statFields(pid);
    if (fields) total += (Number(fields[13]) + Number(fields[14])) * TICK_NS;
    for (const child of byParent.get(pid) ?? []) visit(child);
  };
  visit(root);
  return total;
}
