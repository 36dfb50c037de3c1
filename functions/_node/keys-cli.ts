// `npm run keys -- create|list|revoke`: API key management from a terminal, against
// DATABASE_URL (DATABASE_ADMIN_URL if set) or the embedded database when no server holds it.
// It calls the same admin.* SQL functions an operator can call from the Supabase SQL editor,
// as service_role. `create` prints the new key alone on its last line (for scripts).
// Mistakes are refused before they make a key that cannot work or lands in the wrong place: an
// unknown scope, an expiry in the past, a user who is not a member of an existing workspace
// (unless --add-user says to make them one). It says on stderr which database it works on.

import { parseArgs } from "node:util";
import { EnvError, parseEnv } from "../_shared/env.ts";
import { API_SCOPES } from "../api-gateway/operation/declaration.ts";
import { openDatabase, redact } from "./database.ts";
import { DEMO_USER_ID, DEMO_WORKSPACE_ID } from "./demo-seed.ts";
import { migrate } from "./migrations.ts";
import { NodeEnvSchema } from "./node-env.ts";
import type { SqlExecutor } from "./sql-executor.ts";

const USAGE = `Usage:
  npm run keys -- create --scopes activities:write[,activities:read,…] [--workspace UUID] [--user UUID]
                         [--add-user] [--name TEXT] [--expires-at ISO-8601]
  npm run keys -- list [--workspace UUID]
  npm run keys -- revoke KEY_ID

Scopes: ${API_SCOPES.join(", ")}.
Defaults: the demo workspace ${DEMO_WORKSPACE_ID} and user ${DEMO_USER_ID}. An unknown
workspace is created with the user as its member; a user who is not a member of an existing
workspace is refused unless --add-user. --expires-at must be in the future. The key is shown
once; only its SHA-256 hash is stored. Works on DATABASE_URL (DATABASE_ADMIN_URL if set), else
on the embedded database in DATA_DIR (.data) when no server holds it.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

async function asServiceRole<T>(db: SqlExecutor, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.exec("set local role service_role");
    return work(tx);
  });
}

async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scopes: { type: "string" },
        workspace: { type: "string" },
        user: { type: "string" },
        "add-user": { type: "boolean" },
        name: { type: "string" },
        "expires-at": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === "help" || command === undefined) {
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
  if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.now()) {
    throw new UsageError(`--expires-at must be in the future (${expiresAt} has passed): such a key would never work.`);
  }
  if (!["create", "list", "revoke"].includes(command)) throw new UsageError(`Unknown command "${command}".`);
  if (command === "revoke" && (rest.length !== 1 || !UUID.test(rest[0]!))) {
    throw new UsageError("revoke takes one KEY_ID (a UUID, as `list` shows).");
  }
  const scopes = values.scopes?.split(",").map((scope) => scope.trim()).filter(Boolean);
  if (command === "create" && (scopes === undefined || scopes.length === 0)) {
    throw new UsageError("create needs --scopes, e.g. --scopes activities:write,activities:read.");
  }
  const unknownScope = scopes?.find((scope) => !(API_SCOPES as readonly string[]).includes(scope));
  if (unknownScope !== undefined) {
    throw new UsageError(`Unknown scope "${unknownScope}"; the scopes are ${API_SCOPES.join(", ")}.`);
  }

  const env = parseEnv(NodeEnvSchema, process.env);
  const url = env.DATABASE_ADMIN_URL ?? env.DATABASE_URL;
  process.stderr.write(
    url === undefined
      ? `keys: using the embedded database in ${env.DATA_DIR} (no DATABASE_URL set)\n`
      : `keys: using PostgreSQL at ${where(url)}\n`,
  );
  const database = await openDatabase(env);
  try {
    // The embedded database is ours to bring up to date; a real one is its operator's.
    if (database.kind === "embedded") await migrate(database.admin);
    const db = database.admin;
    if (command === "create") {
      const workspaceId = values.workspace ?? DEMO_WORKSPACE_ID;
      const userId = values.user ?? DEMO_USER_ID;
      const created = await asServiceRole(db, async (tx) => {
        const [standing] = await tx.query<{ workspace: boolean; member: boolean }>(
          `select exists (select from app.workspaces where id = $1::uuid) as workspace,
                  exists (select from app.workspace_members where workspace_id = $1::uuid and user_id = $2::uuid) as member`,
          [workspaceId, userId],
        );
        if (standing!.workspace && !standing!.member && !values["add-user"]) {
          throw new UsageError(
            `User ${userId} is not a member of workspace ${workspaceId}. Check --user, or pass --add-user to make them a member.`,
          );
        }
        const [row] = await tx.query<{ created: { id: string; key: string; display_prefix: string; workspace_id: string; user_id: string; scopes: string[]; expires_at: string | null } }>(
          "select admin.create_api_key($1::text[], $2::uuid, $3::uuid, $4, $5::timestamptz) as created",
          [scopes, workspaceId, userId, values.name ?? "", expiresAt ?? null],
        );
        if (!standing!.workspace) process.stderr.write(`Created workspace ${workspaceId} with member ${userId}\n`);
        else if (!standing!.member) process.stderr.write(`Added user ${userId} to workspace ${workspaceId}\n`);
        return row!.created;
      });
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
            `name=${JSON.stringify(key.name)}  expires=${stamp(key.expires_at)}  last_used=${stamp(key.last_used_at)}\n`,
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

/** host:port/database of a postgres URL, without credentials. */
function where(url: string): string {
  const parsed = new URL(redact(url));
  return `${parsed.host}${parsed.pathname}`;
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
