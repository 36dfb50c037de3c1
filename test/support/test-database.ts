// A fresh PostgreSQL database per test file, with the real compat script and migrations
// applied, dropped again afterwards. The API connects to it as `authenticator` (the NOINHERIT
// login role), the fixtures as the superuser.

import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { migrate } from "../../functions/_node/migrations.ts";
import { postgresExecutor, type SqlExecutor } from "../../functions/_node/sql-executor.ts";
import { POSTGRES_ADMIN_URL } from "./services.ts";

export interface TestDatabase {
  name: string;
  /** Superuser URL: migrations, fixtures, assertions. */
  adminUrl: string;
  /** What the API uses: the `authenticator` role. */
  apiUrl: string;
  admin: SqlExecutor;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string, user?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = "";
  }
  return parsed.toString();
}

/** `migrate: false` leaves the database empty, for tests that apply the migrations their own way. */
export async function createTestDatabase(prefix = "test", options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const server = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await server.unsafe(`create database "${name}"`);
  } finally {
    await server.end();
  }
  const adminUrl = withDatabase(POSTGRES_ADMIN_URL, name);
  const admin = postgresExecutor(adminUrl, { max: 4 });
  if (options.migrate ?? true) await migrate(admin);
  return {
    name,
    adminUrl,
    apiUrl: withDatabase(POSTGRES_ADMIN_URL, name, "authenticator"),
    admin,
    async drop() {
      await admin.close();
      const cleanup = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
