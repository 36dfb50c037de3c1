// Scalar's standalone browser bundle for GET /docs, read from the installed @scalar/api-reference
// (a devDependency: `npm install` has it, a production `npm ci --omit=dev` does not, and then the
// page loads the same pinned version from the CDN). Read and gzipped once, on first request.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { ScalarBundle } from "../api-gateway/routes/reference/scalar-bundle.ts";

export async function findScalarBundle(): Promise<ScalarBundle | undefined> {
  let root: string;
  try {
    // The package exports no package.json; its main module is dist/index.js.
    root = dirname(dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")));
  } catch {
    return undefined;
  }
  const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
  return {
    version,
    async load() {
      const body = await readFile(join(root, "dist", "browser", "standalone.js"));
      return { body, gzip: await promisify(gzip)(body) };
    },
  };
}
