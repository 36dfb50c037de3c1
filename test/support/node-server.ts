// Runs the real Node entry (functions/_node/server.ts) as a child process on an ephemeral
// port, as `npm start` would, and collects its structured log lines.

import { baseEnv, type ServerProcess, startServerProcess } from "./server-process.ts";

export type { LogLine } from "./server-process.ts";
export type NodeServer = ServerProcess;

export async function startNodeServer(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<NodeServer> {
  return startServerProcess({
    command: process.execPath,
    args: ["--import", "tsx", "functions/_node/server.ts"],
    env: { ...baseEnv(), PORT: "0", LOG_LEVEL: "info", ...env },
    timeoutMs: options.timeoutMs,
  });
}
