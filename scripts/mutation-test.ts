// npm run test:mutation [-- FILE…]: StrykerJS with stryker.config.mjs; FILE… (paths of source
// files) narrows the run to those. Stryker is started through its API rather than its CLI: the
// CLI refuses Node below 22 (its declared engine), while the project runs on Node 20.19+, on
// which Stryker 10.1.1 runs this project's mutation tests correctly (checked when it was set up).

import { fileURLToPath } from "node:url";

const core = fileURLToPath(new URL("../node_modules/@stryker-mutator/core/dist/src/stryker.js", import.meta.url));
const { Stryker } = (await import(core)) as typeof import("@stryker-mutator/core");

const files = process.argv.slice(2);
const results = await new Stryker({ configFile: "stryker.config.mjs", ...(files.length > 0 ? { mutate: files } : {}) }).runMutationTest();
console.log(`${results.length} mutants`);
