// The tests mutation testing runs (npm run test:mutation): the fast ones that need no service —
// no PostgreSQL, Redis, Deno, workerd or browser — so that each of a few thousand mutants is
// judged in a second or two. The whole suite still guards the same code through the real parts.

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/unit/**/*.test.ts",
      "test/ratelimit/memory.test.ts",
      "test/webhooks/url-policy.test.ts",
      "test/openapi/document.test.ts",
    ],
    pool: "forks",
  },
});
