// `npm run keys -- create|list|revoke`: API key management from a terminal, against
// DATABASE_URL (DATABASE_ADMIN_URL if set) or the embedded database when no server holds it.
// It calls the same admin.* SQL functions an operator can call from the Supabase SQL editor,
// as service_role. `create` prints the new key alone on its last line (for scripts).

import { parseArgs } from "node:util";
import { EnvError, parseEnv } from "../_shared/env.ts";
import { openDatabase } from "./database.ts";
import { DEMO_USER_ID, DEMO_WORKSPACE_ID } from "./demo-seed.ts";
import { migrate } from "./migrations.ts";
import { NodeEnvSchema } from "./node-env.ts";
import type { SqlExecutor } from "./sql-executor.ts";

const USAGE = `Usage:
  npm run keys -- create --scopes activities:write[,activities:read,…] [--workspace UUID] [--user UUID]
                         [--name TEXT] [--expires-at ISO-8601]
  npm run keys -- list [--workspace UUID]
  npm run keys -- revoke KEY_ID

Scopes: activities:write, activities:read, webhooks:write, webhooks:read.
Defaults: the demo workspace ${DEMO_WORKSPACE_ID} and user ${DEMO_USER_ID}; an unknown
workspace is created. The key is shown once; only its SHA-256 hash is stored.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

async function asServiceRole<T>(db: SqlExecutor, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.exec("set local role service_role");
    return work(tx);
  });
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scopes: { type: "string" },
      workspace: { type: "string" },
      user: { type: "string" },
      name: { type: "string" },
      "expires-at": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !values.help) process.exitCode = 64;
    return;
  }
  for (const [flag, value] of [["--workspace", values.workspace], ["--user", values.user]] as const) {
    if (value !== undefined && !UUID.test(value)) throw new UsageError(`${flag} must be a UUID.`);
  }
  const expiresAt = values["expires-at"];
  if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) {
    throw new UsageError("--expires-at must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z.");
  }
  if (!["create", "list", "revoke"].includes(command)) throw new UsageError(`Unknown command "${command}".`);
  if (command === "revoke" && (rest.length !== 1 || !UUID.test(rest[0]!))) {
    throw new UsageError("revoke takes one KEY_ID (a UUID, as `list` shows).");
  }
  const scopes = values.scopes?.split(",").map((scope) => scope.trim()).filter(Boolean);
  if (command === "create" && (scopes === undefined || scopes.length === 0)) {
    throw new UsageError("create needs --scopes, e.g. --scopes activities:write,activities:read.");
  }

  const env = parseEnv(NodeEnvSchema, process.env);
  const database = await openDatabase(env);
  try {
    // The embedded database is ours to bring up to date; a real one is its operator's.
    if (database.kind === "embedded") await migrate(database.admin);
    const db = database.admin;
    if (command === "create") {
      const [row] = await asServiceRole(db, (tx) =>
        tx.query<{ created: { id: string; key: string; display_prefix: string; workspace_id: string; user_id: string; scopes: string[]; expires_at: string | null } }>(
          "select admin.create_api_key($1::text[], $2::uuid, $3::uuid, $4, $5::timestamptz) as created",
          [scopes, values.workspace ?? DEMO_WORKSPACE_ID, values.user ?? DEMO_USER_ID, values.name ?? "", expiresAt ?? null],
        ),
      );
      const created = row!.created;
      process.stderr.write(
        `Created key ${created.id} (${created.display_prefix}…) in workspace ${created.workspace_id} for user ${created.user_id}\n` +
          `scopes: ${created.scopes.join(", ")}; expires: ${created.expires_at ?? "never"}\n` +
          "This is the only time the key is shown:\n",
      );
      process.stdout.write(`${created.key}\n`);
    } else if (command === "list") {
      const keys = await asServiceRole(db, (tx) =>
        tx.query<Record<string, unknown>>("select * from admin.list_api_keys($1::uuid)", [values.workspace ?? null]),
      );
      for (const key of keys) {
        process.stdout.write(
          `${key.id}  ${key.display_prefix}…  ${key.revoked_at ? "revoked" : isExpired(key.expires_at) ? "expired" : "active "}  ` +
            `${(key.scopes as string[]).join(",")}  workspace=${key.workspace_id}  user=${key.user_id}  ` +
            `name=${JSON.stringify(key.name)}  last_used=${stamp(key.last_used_at)}\n`,
        );
      }
      if (keys.length === 0) process.stderr.write("No API keys.\n");
    } else {
      const [row] = await asServiceRole(db, (tx) =>
        tx.query<{ revoked_at: unknown }>("select admin.revoke_api_key($1::uuid) as revoked_at", [rest[0]]),
      );
      process.stdout.write(`Revoked ${rest[0]} at ${stamp(row!.revoked_at)}\n`);
    }
  } finally {
    await database.close();
  }
}

function isExpired(value: unknown): boolean {
  return value != null && new Date(value as string).getTime() <= Date.now();
}

function stamp(value: unknown): string {
  if (value == null) return "never";
  return (value instanceof Date ? value : new Date(value as string)).toISOString();
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(64);
  }
  process.stderr.write(`${error instanceof EnvError ? "" : "keys: "}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
