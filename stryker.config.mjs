// Mutation testing of the pure modules (npm run test:mutation; README, Tests): small deliberate
// bugs are planted one at a time in these files and the fast tests of vitest.mutation.config.ts
// must fail for each. Paths are listed here, in one place, to follow the code when it moves.
// A run over everything: ~10 minutes on two shared cores; `npm run test:mutation -- FILE…`
// mutates only the files named. The HTML report lands in reports/mutation/.

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: [
    // request validation: the schemas (paging included) and their errors
    "functions/api-gateway/routes/*/schema.ts",
    "functions/api-gateway/operation/validation.ts",
    "functions/api-gateway/operation/resource-id.ts",
    "functions/api-gateway/operation/input.ts",
    // rate limiting (upstash.ts is the library over Redis: tested over real Redis in the suite)
    "functions/_shared/ratelimit/memory.ts",
    "functions/_shared/ratelimit/rate-limiter.ts",
    // where webhooks may be sent, and how they are signed
    "functions/_shared/webhooks/url-policy.ts",
    "functions/_shared/webhooks/special-purpose-addresses.ts",
    "functions/_shared/webhooks/signing.ts",
    // the one error shape, and database errors mapped onto it
    "functions/_shared/errors.ts",
    "functions/_shared/db/api-errors.ts",
  ],
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner", "./tools/stryker/ignore-documentation.mjs"],
  // The document's prose and examples: see tools/stryker/ignore-documentation.mjs.
  ignorers: ["documentation"],
  coverageAnalysis: "perTest",
  // Two shared cores: one test process each.
  concurrency: 2,
  timeoutMS: 10_000,
  // TypeScript 7 has no JavaScript API for Stryker to rewrite tsconfig.json with, and vitest
  // does not need it rewritten: name a file that does not exist so the step is skipped.
  tsconfigFile: "stryker-has-no-tsconfig.json",
  tempDirName: ".stryker-tmp",
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  clearTextReporter: { allowColor: false, logTests: false },
  thresholds: { high: 90, low: 80, break: null },
};
