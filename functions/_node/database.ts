// Opens the database the Node runner and CLI are configured for: a real Postgres
// (DATABASE_URL, with DATABASE_ADMIN_URL for migrations when the API's role may not run them)
// or the embedded PGlite under DATA_DIR. Returns the API's transport and an admin executor.

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Database } from "../_shared/db/database.ts";
import { createPgliteDatabase } from "../_shared/db/pglite.ts";
import { createPostgresDatabase } from "../_shared/db/postgres.ts";
import type { NodeEnv } from "./node-env.ts";
import { type SqlExecutor, pgliteExecutor, postgresExecutor } from "./sql-executor.ts";

export interface OpenedDatabase {
  kind: "embedded" | "postgres";
  /** Where it is, without credentials, for the start-up banner. */
  description: string;
  api: Database;
  admin: SqlExecutor;
  /** The embedded database itself, for what needs more than SQL (LISTEN for webhooks). */
  pglite?: PGlite;
  close(): Promise<void>;
}

export async function openDatabase(env: NodeEnv): Promise<OpenedDatabase> {
  if (env.DATABASE_URL) {
    const api = createPostgresDatabase({
      url: env.DATABASE_URL,
      max: env.DATABASE_POOL_MAX,
      prepare: env.DATABASE_PREPARE,
      connectTimeoutSeconds: env.DATABASE_CONNECT_TIMEOUT,
      timeoutMs: env.DATABASE_TIMEOUT_MS,
    });
    const admin = postgresExecutor(env.DATABASE_ADMIN_URL ?? env.DATABASE_URL);
    return {
      kind: "postgres",
      description: redact(env.DATABASE_URL),
      api,
      admin,
      async close() {
        await Promise.all([api.close(), admin.close()]);
      },
    };
  }
  const dir = resolve(env.DATA_DIR, "pglite");
  await mkdir(dir, { recursive: true });
  await claimDataDir(env.DATA_DIR);
  const pg = await PGlite.create(dir);
  const api = createPgliteDatabase(pg);
  return {
    kind: "embedded",
    description: `embedded PGlite in ${dir}`,
    api,
    admin: pgliteExecutor(pg),
    pglite: pg,
    async close() {
      await api.close();
      await releaseDataDir(env.DATA_DIR);
    },
  };
}

/** PGlite is single-process: refuse to open a data directory another live process holds. */
async function claimDataDir(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "pglite.pid");
  const holder = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `The embedded database in ${dataDir} is in use by process ${holder} (is the server running? stop it, or set DATABASE_URL).`,
    );
  }
  await writeFile(pidFile, String(process.pid));
}

async function releaseDataDir(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "pglite.pid");
  const holder = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (holder === process.pid) await rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
