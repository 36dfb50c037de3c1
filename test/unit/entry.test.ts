// The steps every entry shares (functions/_shared/entry.ts), with the runtime's calls faked: a
// bad environment is reported once and exits 78; a signal drains, then exits 0, and a drain
// that fails or outlasts the timeout exits 1; a second signal changes nothing.

import { describe, expect, test, vi } from "vitest";
import { configuration, configureOrExit, EX_CONFIG, stopGracefullyOnSignals } from "../../functions/_shared/entry.ts";
import { EnvError } from "../../functions/_shared/env.ts";
import { type Logger, silentLogger } from "../../functions/_shared/log.ts";

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

describe("reading the environment", () => {
  test("an EnvError is reported once and exits with EX_CONFIG (78); a good one is returned", () => {
    const reports: string[] = [];
    const runtime = { report: (message: string) => reports.push(message), exit: (code: number): never => { throw new Exited(code); } };
    expect(configureOrExit(() => ({ port: 1 }), runtime)).toEqual({ port: 1 });
    expect(() => configureOrExit(() => { throw new EnvError("Invalid environment:\n  - PORT must be a whole number"); }, runtime)).toThrow(new Exited(EX_CONFIG));
    expect(EX_CONFIG).toBe(78);
    expect(reports).toEqual(["Invalid environment:\n  - PORT must be a whole number"]);
  });

  test("a Worker keeps the EnvError (it cannot exit); anything else is a bug and propagates", () => {
    const reports: string[] = [];
    const error = new EnvError("bad");
    expect(configuration(() => { throw error; }, (message) => reports.push(message))).toBe(error);
    expect(() => configuration(() => { throw new TypeError("bug"); }, (message) => reports.push(message))).toThrow(TypeError);
    expect(reports).toEqual(["bad"]);
  });
});

describe("stopping on a signal", () => {
  function process(drain: () => Promise<void>, timeoutMs = 1000) {
    const listeners = new Map<string, () => void>();
    const exits: number[] = [];
    const events: string[] = [];
    const logger: Logger = { ...silentLogger, info: (message) => events.push(message), error: (message) => events.push(message), flush: () => events.push("flush") };
    stopGracefullyOnSignals({ logger, timeoutMs, drain, exit: (code) => exits.push(code), onSignal: (signal, listener) => listeners.set(signal, listener) });
    return { signal: (name: string) => listeners.get(name)!(), exits, events, listeners };
  }

  test("SIGTERM and SIGINT drain, then exit 0 after flushing the log; a second signal is ignored", async () => {
    let drains = 0;
    const p = process(async () => void drains++);
    expect([...p.listeners.keys()]).toEqual(["SIGTERM", "SIGINT"]);
    p.signal("SIGINT");
    p.signal("SIGTERM");
    await vi.waitFor(() => expect(p.exits).toEqual([0]));
    expect(drains).toBe(1);
    expect(p.events).toEqual(["shutting down", "stopped", "flush"]);
  });

  test("a failing drain exits 1", async () => {
    const p = process(async () => Promise.reject(new Error("close failed")));
    p.signal("SIGTERM");
    await vi.waitFor(() => expect(p.exits).toEqual([1]));
    expect(p.events).toContain("shutdown failed");
  });

  test("a drain that outlasts the timeout exits 1", async () => {
    const p = process(() => new Promise(() => {}), 20);
    p.signal("SIGTERM");
    await vi.waitFor(() => expect(p.exits).toEqual([1]));
    expect(p.events).toContain("shutdown timed out; exiting with requests still open");
  });
});
