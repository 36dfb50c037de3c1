import { defineConfig } from "vitest/config";
import { SkippedTestsReporter } from "./test/support/skipped-tests-reporter.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start servers and databases of their own; two at a time fits two cores.
    pool: "forks",
    maxWorkers: 2,
    // A run that skipped tests (a service missing) ends by saying how many and why.
    reporters: ["default", new SkippedTestsReporter()],
  },
});
