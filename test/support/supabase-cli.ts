// The real Supabase CLI, as the `supabase` devDependency installs it (its bin is a small Node shim
// that runs the binary of the matching @supabase/cli-<platform> package; no install script), run
// against a database URL — the commands that need no Docker. Telemetry, the update check and its
// state under ~/.supabase are kept out of test runs.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(PROJECT_DIR, "node_modules", ".bin", "supabase");

/** The version package.json pins (exactly, so that the lock file decides nothing). */
export const PINNED_VERSION: string = (
  JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { devDependencies: Record<string, string> }
).devDependencies.supabase!;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command line and everything it printed, for assertion messages. */
  transcript: string;
}

/** `supabase …args` in the project directory. */
export function supabaseCli(args: string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
  const home = mkdtempSync(join(tmpdir(), "supabase-home-"));
  return new Promise<CliRun>((resolve, reject) => {
    const child = spawn(BIN, [...args, "--workdir", PROJECT_DIR], {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        SUPABASE_HOME: home,
        SUPABASE_TELEMETRY_DISABLED: "1",
        DO_NOT_TRACK: "1",
        SUPABASE_NO_UPDATE_NOTIFIER: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      const transcript = `$ supabase ${args.join(" ")}\n(exit ${code})\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
      resolve({ code, stdout, stderr, transcript });
    });
  });
}

/** The CLI's pgx insists on TLS unless told otherwise; local servers have none. */
export function withoutTls(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("sslmode", "disable");
  return parsed.toString();
}

/**
 * `migration list`'s table as [local, remote] version pairs (an empty string where one side lacks
 * the migration).
 */
export function migrationListRows(stdout: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of stdout.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim().replaceAll("`", ""));
    if (cells.length >= 3 && /^\d*$/.test(cells[0]!) && /^\d*$/.test(cells[1]!) && (cells[0] || cells[1])) {
      rows.push([cells[0]!, cells[1]!]);
    }
  }
  return rows;
}
