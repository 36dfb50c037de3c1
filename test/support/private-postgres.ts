// A PostgreSQL server of one test file's own, for what the shared server at 5432 must not be
// asked to do: load a library at start (pg_cron needs shared_preload_libraries) or take
// settings of its own, or be crashed and restarted. initdb into a temporary directory, started on a free port with its socket
// in that directory, stopped and removed afterwards. PostgreSQL refuses to run as root; as root,
// the server runs as the `postgres` system user that Debian's packages create.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

export interface PrivatePostgres {
  /** Superuser `postgres`, trust authentication. */
  url(database?: string): string;
  /** The directory of its Unix socket (what libpq calls the host, e.g. for pg_cron's cron.host). */
  socketDir: string;
  /** `pg_ctl stop -m immediate`: the server quits at once, as in a crash (recovery on restart). */
  crash(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Where initdb and postgres live: PG_BINDIR, else pg_config's answer, else Debian's layout. */
export function postgresBinDir(): string | undefined {
  const candidates = [process.env.PG_BINDIR];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    // no pg_config on the PATH
  }
  if (existsSync("/usr/lib/postgresql")) {
    for (const version of readdirSync("/usr/lib/postgresql").sort().reverse()) candidates.push(`/usr/lib/postgresql/${version}/bin`);
  }
  return candidates.find((dir) => dir !== undefined && existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")));
}

function systemUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPrivatePostgres(options: { settings?: Record<string, string>; timeoutMs?: number } = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("initdb and postgres not found (set PG_BINDIR, or install Debian's postgresql-15)");
  const dir = mkdtempSync(join(tmpdir(), "private-pg-"));
  const user = systemUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], {
      stdio: ["ignore", "ignore", "pipe"],
      ...user,
    });
  } catch (error) {
    remove();
    throw new Error(`initdb failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    port: String(port),
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
    fsync: "off",
    ...options.settings,
  };
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = "";
  // A test process that dies must not leave a server running.
  const kill = () => child?.kill("SIGKILL");
  process.once("exit", kill);

  /** Starts the postmaster on the data directory and waits until it accepts connections. */
  const run = async () => {
    const started = spawn(join(bin, "postgres"), ["-D", data, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])], {
      stdio: ["ignore", "ignore", "pipe"],
      ...user,
    });
    child = started;
    started.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-8000)));
    exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      if (started.exitCode !== null) throw new Error(`PostgreSQL exited during start-up:\n${log}`);
      const probe = postgres(url(), { max: 1, connect_timeout: 2, onnotice: () => {} });
      try {
        await probe`select 1`;
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections: ${(error as Error).message}\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await probe.end({ timeout: 1 });
      }
    }
  };

  const server: PrivatePostgres = {
    url,
    socketDir: dir,
    async crash() {
      // What `pg_ctl stop -m immediate` does: every process quits at once, without a checkpoint;
      // the next start recovers from the WAL.
      execFileSync(join(bin, "pg_ctl"), ["-D", data, "stop", "-m", "immediate", "-w"], { stdio: ["ignore", "ignore", "pipe"], ...user });
      await exited;
      child = undefined;
    },
    async restart() {
      await run();
    },
    async stop() {
      process.off("exit", kill);
      if (child && child.exitCode === null) {
        child.kill("SIGINT"); // fast shutdown
        await exited;
      }
      remove();
    },
  };
  try {
    await run();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
