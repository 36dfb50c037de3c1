// Files where the README tells a developer to put secrets (wrangler dev's .dev.vars with
// DATABASE_URL, the embedded database's data directory with the demo key) must never be
// committed by accident: git ignores them.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { ROOT } from "../support/server-process.ts";

const run = promisify(execFile);

test.each([".dev.vars", ".data/demo-api-key", ".data/pglite/PG_VERSION"])("git ignores %s", async (path) => {
  // check-ignore exits 0 when the path is ignored, 1 when it is not.
  const { stdout } = await run("git", ["check-ignore", "--no-index", path], { cwd: ROOT });
  expect(stdout.trim()).toBe(path);
});
