// The Workers bundle (wrangler.toml's entry, built the way a deploy builds it) in workerd through
// Miniflare, with wrangler.toml's compatibility settings and vars, extra bindings, optionally a
// Hyperdrive binding in front of a PostgreSQL URL, and the runtime's output collected.

import { join } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { bundle, ROOT, WORKER_BUILD } from "../../scripts/edge-bundle.ts";
import { readWranglerConfig } from "./wrangler-config.ts";

export interface WorkerdOptions {
  bindings?: Record<string, string>;
  /** A postgres:// URL for the HYPERDRIVE binding (Miniflare's emulation wants a password: one is set). */
  hyperdrive?: string;
  /** Receives what workerd writes to stdout and stderr. */
  output?: string[];
}

export async function startWorkerd(options: WorkerdOptions = {}): Promise<Miniflare> {
  const config = await readWranglerConfig();
  const worker = await bundle(WORKER_BUILD);
  const hyperdrive = options.hyperdrive === undefined ? undefined : new URL(options.hyperdrive);
  if (hyperdrive) hyperdrive.password = "local";
  const output = options.output;
  const miniflare = new Miniflare({
    modules: [{ type: "ESModule", path: join(ROOT, "worker.js"), contents: worker.code }],
    compatibilityDate: config.compatibilityDate,
    compatibilityFlags: config.compatibilityFlags,
    bindings: { ...config.vars, ...options.bindings },
    ...(hyperdrive ? { hyperdrives: { HYPERDRIVE: hyperdrive.toString() } } : {}),
    ...(output
      ? {
          handleRuntimeStdio(stdout: Readable, stderr: Readable) {
            stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
            stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
          },
        }
      : {}),
  });
  await miniflare.ready;
  return miniflare;
}
