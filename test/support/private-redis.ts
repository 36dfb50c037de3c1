// A redis-server of one test's own, on a free port with its working directory in a temporary
// folder and no persistence, for tests that stop it mid-run (the machine's shared Redis at 6379
// must not be stopped). stop() ends it the way an operator or a crash would; start() brings it
// back on the same port, empty; pause() freezes it.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export interface PrivateRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM, or SIGKILL for a crash) and waits until the port is closed. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections are accepted and never answered, like a hung server. */
  pause(): Promise<void>;
  /** Lets a frozen server run again (SIGCONT). */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** Whether redis-server is on the PATH (the suite says how to install it when not). */
export function redisServerInstalled(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "private-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const kill = () => child?.kill("SIGKILL");
  process.once("exit", kill);

  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      const started = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", ""],
        { stdio: "ignore" },
      );
      child = started;
      exited = new Promise((resolve) => started.once("exit", () => resolve()));
      const deadline = Date.now() + 15_000;
      while (!(await answersPing(port))) {
        if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode} on port ${port}`);
        if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (!child) return;
      const stopping = child;
      child = undefined;
      stopping.kill(signal);
      await exited;
    },
    async pause() {
      child?.kill("SIGSTOP");
    },
    async resume() {
      child?.kill("SIGCONT");
    },
    async close() {
      await redis.resume();
      await redis.stop("SIGKILL");
      process.off("exit", kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
