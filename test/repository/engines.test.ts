// `npm install` on the Node the README names must not warn: every package in the lock file that
// declares which Node it runs on (npm's EBADENGINE check) accepts the lowest version package.json's
// `engines` allows, and the Node running the tests. The Scalar packages are pinned to the last
// versions that support Node 20 for this reason.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ROOT } from "../support/server-process.ts";

const semver = createRequire(import.meta.url)("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

test("every locked package accepts the lowest Node of package.json's engines, and this one", async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
  const lowest = semver.minVersion(pkg.engines.node)!.version;
  expect(lowest).toMatch(/^20\./);
  const lock = JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8")) as Lock;
  const refusing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === "" || range === undefined) continue;
    for (const node of [lowest, process.versions.node]) {
      if (!semver.satisfies(node, range)) refusing.push(`${path.replace(/^.*node_modules\//, "")}@${entry.version} wants node ${range}, not ${node}`);
    }
  }
  expect(refusing).toEqual([]);
});
