// The edge entries build the way their platforms build them, and stay free of Node: the Supabase
// entry type-checks under the real `deno check` (Deno's lib, the npm packages' own types, our
// deno.json), the Workers entry bundles for workerd, and a Node built-in imported by our own
// shared or edge code fails the build. Each check is also shown to fail when it should.

import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { join, sep } from "node:path";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { describe, expect, test } from "vitest";
import { bundle, nodeBuiltinGuard, ROOT, SUPABASE_BUILD, WORKER_BUILD } from "../../scripts/edge-bundle.ts";
import { DENO_BIN, DENO_CONFIG_FLAGS, denoEnv } from "../support/deno-server.ts";

const run = promisify(execFile);

async function denoCheck(...files: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(DENO_BIN, ["check", ...DENO_CONFIG_FLAGS, ...files], { cwd: ROOT, env: denoEnv() });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("Supabase entry under deno check", () => {
  test("the Deno entry and the Workers entry type-check with Deno's lib and the npm packages' types", async () => {
    const result = await denoCheck("functions/api-gateway/index.ts", "functions/api-gateway/worker.ts");
    expect(result.output).not.toMatch(/error/i);
    expect(result.ok).toBe(true);
  }, 120_000);

  test("the webhook-dispatcher entry type-checks with its own deno.json", async () => {
    const { stdout, stderr } = await run(
      DENO_BIN,
      ["check", "--config", "functions/webhook-dispatcher/deno.json", "--node-modules-dir=manual", "functions/webhook-dispatcher/index.ts"],
      { cwd: ROOT, env: denoEnv() },
    );
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
  }, 120_000);

  test("a type error in shared code reached from the entry fails deno check", async () => {
    // Inside functions/api-gateway so that deno.json's import map applies to it.
    const dir = join(ROOT, "functions", "api-gateway", ".deno-check-probe");
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(
        join(dir, "probe.ts"),
        'import { GatewayEnvSchema, parseEnv } from "../../_shared/env.ts";\nconst port: number = parseEnv(GatewayEnvSchema, {}).LOG_LEVEL;\nexport { port };\n',
      );
      const result = await denoCheck("functions/api-gateway/.deno-check-probe/probe.ts");
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/TS2322/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("deno.json maps every package the edge code imports, with package.json's version range", async () => {
    const denoJson = JSON.parse(await readFile(join(ROOT, "functions/api-gateway/deno.json"), "utf8")) as {
      imports: Record<string, string>;
      nodeModulesDir?: string;
    };
    const packageJson = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    for (const [specifier, target] of Object.entries(denoJson.imports)) {
      const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/]+)\/?$/.exec(target);
      expect(match, `${specifier} → ${target} is an npm: specifier with a version`).not.toBeNull();
      expect(packageJson.dependencies[match![1]!], `${match![1]} in package.json`).toBe(match![2]);
    }
    // A deploy uploads no node_modules; "manual" would make Deno refuse to resolve anything.
    expect(denoJson.nodeModulesDir).toBeUndefined();
    const bundled = await esbuild.build({ ...SUPABASE_BUILD, plugins: [nodeBuiltinGuard()] });
    const packages = new Set<string>();
    for (const [path, input] of Object.entries(bundled.metafile!.inputs)) {
      if (path.includes("node_modules")) continue;
      for (const imported of input.imports) {
        const name = /^((?:@[^/]+\/)?[^/]+)/.exec(imported.original ?? imported.path)?.[1];
        if (imported.original && !imported.original.startsWith(".") && name) packages.add(name);
      }
    }
    expect(packages.size).toBeGreaterThan(3);
    for (const name of packages) expect(denoJson.imports[name] ?? denoJson.imports[`${name}/`], name).toBeDefined();
  }, 60_000);
});

describe("Workers bundle", () => {
  test("bundles for workerd; only runtime-provided modules stay imports", async () => {
    const worker = await bundle(WORKER_BUILD);
    expect(worker.bytes).toBeGreaterThan(10_000);
    expect(worker.externals).toEqual(["cloudflare:sockets", "node:buffer", "node:events", "node:stream"]);
  });

  test.each([
    ["node:fs", 'import { readFileSync } from "node:fs"; export const read = readFileSync;'],
    ["a bare built-in (crypto)", 'import { createHash } from "crypto"; export const hash = createHash;'],
    ["a type-only-looking value import of node:buffer", 'import { Buffer } from "node:buffer"; export const b = Buffer;'],
  ])("a Node built-in imported by shared code fails the build: %s", async (_label, contents) => {
    const attempt = esbuild.build({
      ...WORKER_BUILD,
      entryPoints: undefined,
      stdin: { contents, resolveDir: join(ROOT, "functions", "_shared"), sourcefile: join(ROOT, "functions/_shared/probe.ts"), loader: "ts" },
      plugins: [nodeBuiltinGuard()],
    });
    await expect(attempt).rejects.toThrow(/imports the Node built-in/);
  });

  test("an edge function's own folder is guarded too: the Node entry lives in functions/_node, not beside the edge entries", async () => {
    const attempt = esbuild.build({
      ...WORKER_BUILD,
      entryPoints: undefined,
      stdin: {
        contents: 'import type { Server } from "node:http"; import { createHash } from "node:crypto"; export const h = createHash;',
        resolveDir: join(ROOT, "functions", "api-gateway"),
        sourcefile: join(ROOT, "functions/api-gateway/node.ts"),
        loader: "ts",
      },
      plugins: [nodeBuiltinGuard()],
    });
    await expect(attempt).rejects.toThrow(/functions\/api-gateway\/node\.ts imports the Node built-in "node:crypto"/);
  });

  test("no file under functions/ outside functions/_node imports a Node built-in (also those no edge bundle reaches)", async () => {
    const files = (await readdir(join(ROOT, "functions"), { recursive: true })).filter(
      (file) => /\.ts$/.test(file) && !file.startsWith(`_node${sep}`),
    );
    expect(files).toContain(join("webhook-dispatcher", "index.ts"));
    const offenders: string[] = [];
    for (const file of files) {
      const source = await readFile(join(ROOT, "functions", file), "utf8");
      for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
        if (isBuiltin(specifier!)) offenders.push(`${file}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test("Node-only tooling (functions/_node) may import built-ins", async () => {
    const built = await esbuild.build({
      ...SUPABASE_BUILD,
      entryPoints: undefined,
      stdin: {
        contents: 'import { readFileSync } from "node:fs"; export const read = readFileSync;',
        resolveDir: join(ROOT, "functions", "_node"),
        sourcefile: join(ROOT, "functions/_node/probe.ts"),
        loader: "ts",
      },
      plugins: [nodeBuiltinGuard()],
    });
    expect(built.errors).toEqual([]);
  });
});
