// A PostgreSQL cluster of the benchmark's own: initdb into a temporary directory, started on a
// free port with the shared server's settings, removed at the end. The benchmark reads the CPU
// of every process of the cluster (postmaster, backends, WAL writer, checkpointer…) from /proc,
// which is only honest when nothing else uses that cluster — the shared server at 5432 serves
// other test runs. Options: `preload` for shared_preload_libraries (pg_stat_statements when
// profiling), extra `settings`.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "../../test/support/ports.ts";

export interface PrivatePostgres {
  /** Superuser `postgres`, database `postgres`. */
  url(database?: string, user?: string): string;
  /** The postmaster: every process of the cluster descends from it. */
  pid: number;
  stop(): Promise<void>;
}

/** The shared server's non-default settings (Debian's postgresql.conf), plus room for 64 clients. */
const SETTINGS: Record<string, string> = {
  listen_addresses: "127.0.0.1",
  shared_buffers: "128MB",
  max_connections: "200",
  autovacuum: "off",
  max_wal_size: "1GB",
  min_wal_size: "80MB",
  dynamic_shared_memory_type: "posix",
  timezone: "Etc/UTC",
};

function binDir(): string {
  if (process.env.BENCH_PG_BINDIR) return process.env.BENCH_PG_BINDIR;
  return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
}

/** PostgreSQL refuses to run as root; then the cluster runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export async function startPrivatePostgres(options: { preload?: string[]; settings?: Record<string, string> } = {}): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "bench-pg-"));
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  execFileSync(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"], {
    stdio: "ignore",
    ...user,
  });
  const port = await freePort();
  const settings = {
    ...SETTINGS,
    port: String(port),
    unix_socket_directories: dir,
    ...(options.preload?.length ? { shared_preload_libraries: options.preload.join(",") } : {}),
    ...options.settings,
  };
  const child: ChildProcess = spawn(
    join(bin, "postgres"),
    ["-D", data, ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`])],
    { stdio: ["ignore", "ignore", "pipe"], ...user },
  );
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    log = (log + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = (database = "postgres", role = "postgres") => `postgres://${role}@127.0.0.1:${port}/${database}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    const probe = postgres(url(), { max: 1, onnotice: () => {}, connect_timeout: 2 });
    try {
      await probe`select 1`;
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`private PostgreSQL did not start: ${(error as Error).message}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await probe.end();
    }
  }

  return {
    url,
    pid: child.pid!,
    async stop() {
      // Fast shutdown: disconnects clients, then exits cleanly.
      child.kill("SIGINT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
