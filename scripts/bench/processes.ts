// The benchmark's servers, each its own Node process (so /proc can say what each one costs):
// started under tsx, awaited until they print the JSON line saying where they listen, after
// which their output is drained unread — parsing 1,500 log lines a second here would take CPU
// from the processes being measured.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Started {
  child: ChildProcess;
  pid: number;
  /** The JSON line that announced it. */
  announced: Record<string, unknown>;
  stop(): Promise<void>;
}

export function startProcess(
  entry: string,
  options: { env?: Record<string, string>; nodeArgs?: string[]; args?: string[]; ready: (line: Record<string, unknown>) => boolean },
): Promise<Started> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", entry, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (!options.ready(parsed)) continue;
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolve({
          child,
          pid: child.pid!,
          announced: parsed,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
        return;
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${entry} exited with ${code} before it was ready`)));
  });
}
