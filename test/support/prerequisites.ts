// For suites that need more than a reachable service (a PostgreSQL extension, a binary): when
// something is missing, the suite is skipped with a loud warning — or, when services are required
// (REQUIRE_SERVICES, as in CI), one failing test says what is missing and how to install it.

import { describe, it } from "vitest";
import { prerequisiteMissing, servicesRequired } from "./services.ts";

/** Call at module level with what is missing (or null); returns whether to skip the suite. */
export function skipUnlessPrerequisites(suite: string, missing: string | null, install: string): boolean {
  if (missing === null) return false;
  const fix = `Install with: ${install}`;
  if (servicesRequired()) {
    describe(suite, () => {
      it("has what it needs", () => {
        prerequisiteMissing(suite, missing, fix);
      });
    });
  } else {
    prerequisiteMissing(suite, missing, fix);
  }
  return true;
}
