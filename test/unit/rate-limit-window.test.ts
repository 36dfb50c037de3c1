// RATE_LIMIT_WINDOW's syntax (Upstash's duration text) and the text handed back to Upstash.

import { expect, test } from "vitest";
import { parseWindow, RateLimiterUnavailableError, toWindowText } from "../../functions/_shared/ratelimit/rate-limiter.ts";

test.each([
  ["10 s", 10_000],
  ["500ms", 500],
  [" 1 m ", 60_000],
  ["2h", 7_200_000],
  ["1 d", 86_400_000],
  ["1 ms", 1],
])("%j is %i ms", (text, ms) => {
  expect(parseWindow(text)).toBe(ms);
});

test.each(["0 s", "10", "10 sec", "s", "x10 s", "10 s x", "1.5 s", "-1 s", "10 s\nx"])("%j is refused", (text) => {
  expect(parseWindow(text)).toBeUndefined();
});

test("a window goes to Upstash in milliseconds; a limiter fault is its own error", () => {
  expect(toWindowText(10_000)).toBe("10000 ms");
  expect(new RateLimiterUnavailableError("down").name).toBe("RateLimiterUnavailableError");
});
