// npm run test:mutation [-- FILE…]: StrykerJS with stryker.config.mjs; FILE… (paths of source
// files) narrows the run to those. Stryker is pinned to 9.6.1, the last release whose declared
// engine accepts the Node 20 the project runs on (10.x wants Node 22, and npm would warn).

import { Stryker } from "@stryker-mutator/core";

const files = process.argv.slice(2);
const results = await new Stryker({ configFile: "stryker.config.mjs", ...(files.length > 0 ? { mutate: files } : {}) }).runMutationTest();
console.log(`${results.length} mutants`);
