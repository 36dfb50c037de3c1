// For suites that need more than a reachable service (a PostgreSQL extension, a binary): when
// something is missing, the suite is skipped with a loud warning — or, under REQUIRE_SERVICES=1
// (CI), one failing test says what is missing and how to install it.

import { describe, it } from "vitest";

/** Call at module level with what is missing (or null); returns whether to skip the suite. */
export function skipUnlessPrerequisites(suite: string, missing: string | null, install: string): boolean {
  if (missing === null) return false;
  if (process.env.REQUIRE_SERVICES === "1") {
    describe(suite, () => {
      it("has what it needs", () => {
        throw new Error(`REQUIRE_SERVICES=1 but ${missing}. Install with: ${install}`);
      });
    });
  } else {
    console.warn(
      `\n${"!".repeat(78)}\n!! SKIPPING ${suite}: ${missing}.\n!! Install with: ${install}\n` +
        `!! Run with REQUIRE_SERVICES=1 to make this a failure.\n${"!".repeat(78)}\n`,
    );
  }
  return true;
}
