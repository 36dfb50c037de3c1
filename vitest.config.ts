import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start servers and databases of their own; two at a time fits two cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
