// Runs the real Node entry (functions/api-gateway/node.ts) as a child process on an ephemeral
// port, as `npm start` would, and collects its structured log lines.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface NodeServer {
  baseUrl: string;
  child: ChildProcess;
  /** Parsed JSON lines of stdout so far. */
  logs: LogLine[];
  /** Everything the process wrote, raw (for "the key never appears" checks). */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startNodeServer(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<NodeServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/api-gateway/node.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  let raw = "";
  let pending = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${raw}`)), options.timeoutMs ?? 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      raw += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const parsed = JSON.parse(line) as LogLine;
          logs.push(parsed);
          if (parsed.msg === "listening") {
            clearTimeout(timer);
            resolve(String(parsed.url));
          }
        } catch {
          // Not a log line; kept in `raw`.
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      raw += chunk;
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${raw}`));
    });
  });

  const baseUrl = await listening;
  return {
    baseUrl,
    child,
    logs,
    output: () => raw,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
