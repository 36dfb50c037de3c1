import { defineConfig } from "vitest/config";
import { SkippedTestsReporter } from "./test/support/skipped-tests-reporter.ts";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start servers and databases of their own; two at a time fits two cores.
    pool: "forks",
    maxWorkers: 2,
    // A run that skipped tests (a service missing) ends by saying how many and why.
    reporters: ["default", new SkippedTestsReporter()],
    projects: [
      { extends: true, test: { name: "suites", include: ["test/**/*.test.ts"], exclude: ["test/resilience/**"] } },
      // The resilience suite (issue 12) measures the API under load and faults: its files run
      // after every other suite, one at a time, so that no two loads share the two cores and
      // their figures are the API's, not the neighbours'.
      {
        extends: true,
        test: {
          name: "resilience",
          include: ["test/resilience/**/*.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
        },
      },
    ],
  },
});
