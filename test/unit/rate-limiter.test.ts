// What the rate limiter module hands on: the window as Upstash's duration text, and a fault as an
// error of its own kind (the middleware tells it apart to fail open or closed).

import { expect, test } from "vitest";
import { RateLimiterUnavailableError, toWindowText } from "../../functions/_shared/ratelimit/rate-limiter.ts";

test("a window goes to Upstash in milliseconds; a limiter fault is its own error", () => {
  expect(toWindowText(10_000)).toBe("10000 ms");
  const fault = new RateLimiterUnavailableError("down", { cause: new Error("ECONNREFUSED") });
  expect([fault.name, fault.message, fault instanceof Error]).toEqual(["RateLimiterUnavailableError", "down", true]);
});
