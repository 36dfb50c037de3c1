// Runs a server entry as a child process on an ephemeral port and waits for its structured
// "listening" log line (every entry prints one, with the URL): the Node entry under tsx, the
// Deno entry under the real deno binary. Collects the log lines and the raw output.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Parsed JSON lines of stdout so far. */
  logs: LogLine[];
  /** Everything the process wrote, raw (for "the key never appears" checks). */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** The child's whole environment (nothing is inherited but what is given here). */
  env: Record<string, string>;
  timeoutMs?: number;
}

/**
 * How long a server may take to log "listening". A bound on waiting, not a speed check: the
 * embedded database compiles its WASM and applies every migration first, which on a loaded
 * two-core machine has taken over 30 s.
 */
const START_TIMEOUT_MS = 120_000;

export async function startServerProcess({ command, args, env, timeoutMs }: ServerCommand): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const logs: LogLine[] = [];
  let raw = "";
  let pending = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${raw}`)), timeoutMs ?? START_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
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

  const baseUrl = await listening.catch((error: unknown) => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    throw error;
  });
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

/** What every child gets besides its own variables: enough to find binaries, nothing else. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
}
