// REQUIRE_SERVICES decides whether a missing service fails the run or skips its tests; a run that
// skipped ends with a banner saying how many tests and why.

import { describe, expect, test } from "vitest";
import { servicesRequired } from "../support/services.ts";
import { skippedTestsBanner } from "../support/skipped-tests-reporter.ts";

describe("REQUIRE_SERVICES", () => {
  test.each(["1", "true", "TRUE", "yes", "Yes", "on", " 1 "])("%j requires the services", (value) => {
    expect(servicesRequired(value)).toBe(true);
  });

  test.each(["", " ", "0", "false", "no", "OFF"])("%j lets tests skip", (value) => {
    expect(servicesRequired(value)).toBe(false);
  });

  test("anything else is refused rather than read as false", () => {
    expect(() => servicesRequired("ture")).toThrow(/REQUIRE_SERVICES="ture" is not understood: use 1, true, yes, on/);
  });
});

test("the end-of-run banner says how many of how many were skipped, where, and what is missing", () => {
  const banner = skippedTestsBanner(
    19,
    45,
    [["test/database/pgtap.test.ts", 16], ["test/unit/sql-literal.test.ts", 3]],
    [{ what: "PostgreSQL", why: "nothing answers at postgres://127.0.0.1:5432" }],
  );
  expect(banner.split("\n").filter(Boolean)).toEqual([
    "!".repeat(78),
    "!! 19 of 45 tests were SKIPPED — this run did not test what they cover.",
    "!! Missing on this machine:",
    "!!   PostgreSQL: nothing answers at postgres://127.0.0.1:5432",
    "!! Each skipping file printed a SKIPPING warning above naming what it lacks.",
    "!! Skipped tests per file:",
    "!!     16  test/database/pgtap.test.ts",
    "!!      3  test/unit/sql-literal.test.ts",
    "!! Start the services (README, Tests), or run with REQUIRE_SERVICES=1 to make a missing one fail the run.",
    "!".repeat(78),
  ]);
});
