// Runs the Supabase entry (functions/api-gateway/index.ts) under the real deno binary (from the
// `deno` npm package) as a child process on an ephemeral port, the way README's "run it
// locally" does: npm: specifiers resolved from the project's node_modules, caches under .cache/,
// only network and environment permissions.

import { join } from "node:path";
import { baseEnv, ROOT, type ServerProcess, startServerProcess } from "./server-process.ts";

export const DENO_BIN = join(ROOT, "node_modules", ".bin", "deno");

/** Hermetic: Deno's caches inside the project, no update check, no registry fetch. */
export function denoEnv(): Record<string, string> {
  return { ...baseEnv(), DENO_DIR: join(ROOT, ".cache", "deno"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
}

/** The flags every deno command here uses: the function's import map, the project's node_modules. */
export const DENO_CONFIG_FLAGS = ["--config", "functions/api-gateway/deno.json", "--node-modules-dir=manual"];

export interface DenoServerOptions {
  timeoutMs?: number;
  /** A module run before the entry (`--preload`), e.g. test/support/supabase-edge-runtime.ts. */
  preload?: string;
}

export async function startDenoServer(env: Record<string, string>, options: DenoServerOptions = {}): Promise<ServerProcess> {
  const preload = options.preload ? [`--preload=${options.preload}`] : [];
  return startServerProcess({
    command: DENO_BIN,
    args: ["run", ...DENO_CONFIG_FLAGS, "--allow-net", "--allow-env", "--no-prompt", ...preload, "functions/api-gateway/index.ts"],
    env: { ...denoEnv(), PORT: "0", LOG_LEVEL: "info", ...env },
    timeoutMs: options.timeoutMs,
  });
}
