// Bundles the two edge entries with esbuild, the way their platforms do, and guards the rule
// that lets one source tree run on Deno, workerd and Node: nothing under functions/ outside
// functions/_node/ (which holds the Node entry) may import a Node built-in. A dependency in
// node_modules may (postgres.js's workerd build uses node:buffer/events/stream under
// nodejs_compat; its Node build, which Deno runs, uses net/tls/os/fs).
//
//   npx tsx scripts/edge-bundle.ts     # writes .cache/edge-bundle/{worker,supabase}.js, prints sizes
//
// The Workers bundle is what `wrangler deploy` would upload (wrangler bundles with esbuild and
// the workerd condition too); the Supabase one approximates the function's code size (Supabase
// bundles it into an eszip with the npm packages; Node built-ins come from the runtime).

/// <reference types="node" />
import { mkdir, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const WORKER_ENTRY = join(ROOT, "functions/api-gateway/worker.ts");
export const SUPABASE_ENTRY = join(ROOT, "functions/api-gateway/index.ts");

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** True for our own code that must stay runtime-neutral. */
function isGuardedSource(path: string): boolean {
  const inside = relative(ROOT, path);
  return (
    !inside.startsWith("..") &&
    !inside.split(/[\\/]/).includes("node_modules") &&
    !inside.startsWith(join("functions", "_node"))
  );
}

/** Fails the build when our own source imports a Node built-in (`node:x` or bare `x`). */
export function nodeBuiltinGuard(): esbuild.Plugin {
  return {
    name: "node-builtin-guard",
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        if (!BUILTINS.has(args.path) || !isGuardedSource(args.importer)) return undefined;
        return {
          errors: [
            {
              text: `${relative(ROOT, args.importer)} imports the Node built-in "${args.path}"; shared and edge code must use web APIs (Node-only code belongs in functions/_node/).`,
            },
          ],
        };
      });
    },
  };
}

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  metafile: true,
  write: false,
  logLevel: "silent",
  absWorkingDir: ROOT,
};

/** workerd: the `workerd` condition picks postgres.js's cloudflare:sockets build. */
export const WORKER_BUILD: esbuild.BuildOptions = {
  ...COMMON,
  entryPoints: [WORKER_ENTRY],
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["workerd", "worker", "browser", "module", "main"],
  // Provided by workerd (cloudflare:*) and by nodejs_compat (node:*).
  external: ["cloudflare:*", "node:*"],
};

/** Supabase (Deno): npm packages' Node builds, with Node built-ins provided by the runtime. */
export const SUPABASE_BUILD: esbuild.BuildOptions = {
  ...COMMON,
  entryPoints: [SUPABASE_ENTRY],
  platform: "neutral",
  conditions: ["deno", "node"],
  mainFields: ["module", "main"],
  external: [...BUILTINS],
};

export interface Bundle {
  code: string;
  bytes: number;
  gzipBytes: number;
  /** Modules left as imports (provided by the runtime). */
  externals: string[];
  /** Bytes of the output per input package (or "own code"), largest first. */
  byPackage: Array<[string, number]>;
}

export async function bundle(options: esbuild.BuildOptions): Promise<Bundle> {
  const result = await esbuild.build({ ...options, plugins: [nodeBuiltinGuard(), ...(options.plugins ?? [])] });
  const output = result.outputFiles![0]!;
  const code = output.text;
  const externals = new Set<string>();
  for (const input of Object.values(result.metafile!.inputs)) {
    for (const imported of input.imports) if (imported.external) externals.add(imported.path);
  }
  const sizes = new Map<string, number>();
  for (const out of Object.values(result.metafile!.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match ? match[1]! : "own code";
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return {
    code,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    externals: [...externals].sort(),
    byPackage: [...sizes].sort((a, b) => b[1] - a[1]),
  };
}

async function main(): Promise<void> {
  const outDir = join(ROOT, ".cache", "edge-bundle");
  await mkdir(outDir, { recursive: true });
  for (const [name, options] of [["worker", WORKER_BUILD], ["supabase", SUPABASE_BUILD]] as const) {
    const built = await bundle(options);
    await writeFile(join(outDir, `${name}.js`), built.code);
    console.log(`${name}: ${built.bytes} bytes minified, ${built.gzipBytes} bytes gzip -9 (.cache/edge-bundle/${name}.js)`);
    console.log(`  runtime-provided imports: ${built.externals.join(", ") || "none"}`);
    console.log(`  by package: ${built.byPackage.map(([pkg, bytes]) => `${pkg} ${bytes}`).join(", ")}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
