// The batching JSON logger of the Node entry: a burst of request lines leaves in one write (a
// write per line was a tenth of the Node process's CPU under load), errors leave at once and
// in order, a large backlog does not wait for the timer, and flush() empties it before exit.

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createJsonLogger } from "../../functions/_shared/log.ts";

describe("createJsonLogger({ batch: true })", () => {
  let writes: string[];
  const logger = () => createJsonLogger({ batch: true, write: (lines) => writes.push(lines) });
  const messages = (chunk: string) => chunk.trimEnd().split("\n").map((line) => (JSON.parse(line) as { msg: string }).msg);

  beforeEach(() => {
    vi.useFakeTimers();
    writes = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("lines logged over 20 ms leave in one write, in order", () => {
    const log = logger();
    for (let i = 0; i < 20; i++) {
      log.info(`request ${i}`);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(100);
    expect(writes).toHaveLength(1);
    expect(messages(writes[0]!)).toEqual(Array.from({ length: 20 }, (_, i) => `request ${i}`));
  });

  test("an error is written at once, after the lines pending before it", () => {
    const log = logger();
    log.info("before");
    log.error("failed");
    expect(writes).toHaveLength(1);
    expect(messages(writes[0]!)).toEqual(["before", "failed"]);
  });

  test("64 KiB of pending lines are written without waiting for the timer", () => {
    const log = logger();
    const long = "x".repeat(1024);
    for (let i = 0; i < 70; i++) log.info("request", { long });
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.join("").length).toBeGreaterThanOrEqual(64 * 1024);
  });

  test("flush() writes what is pending (before the process exits)", () => {
    const log = logger();
    log.info("last words");
    log.flush?.();
    expect(writes.map(messages)).toEqual([["last words"]]);
    vi.advanceTimersByTime(100);
    expect(writes).toHaveLength(1);
  });
});
