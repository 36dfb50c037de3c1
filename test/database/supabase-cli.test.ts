// The real Supabase CLI (the pinned `supabase` devDependency) against PostgreSQL, without Docker:
// `db push` applies the migrations to a fresh database shaped like a hosted project's — the
// runner users deploy with — `migration list` shows every local migration applied (there, and
// on a database the project's own migrator set up), and `db lint --level error`, which runs
// plpgsql_check over every PL/pgSQL function, finds nothing on either: with pg_net's API present
// (Supabase) and without it (plain PostgreSQL). Each failure prints the CLI's whole output.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipUnlessPrerequisites } from "../support/prerequisites.ts";
import { POSTGRES_ADMIN_URL, serviceAvailable } from "../support/services.ts";
import { migrationListRows, PINNED_VERSION, PROJECT_DIR, supabaseCli, withoutTls } from "../support/supabase-cli.ts";
import { shapeLikeSupabase } from "../support/supabase-shape.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const MIGRATIONS = readdirSync(join(PROJECT_DIR, "supabase", "migrations")).filter((file) => file.endsWith(".sql")).sort();
const VERSIONS = MIGRATIONS.map((file) => file.split("_")[0]!);
const INSTALL = "apt-get install postgresql-15-plpgsql-check; npm ci";
// Each CLI start reads a 140 MB binary; on a busy machine that alone can take seconds.
const CLI_TEST_MS = 90_000;

/** What this machine lacks to run the CLI tests, or null. */
async function missingPrerequisite(): Promise<string | null> {
  let up: boolean;
  try {
    up = await serviceAvailable("postgres");
  } catch (error) {
    return (error as Error).message;
  }
  if (!up) return `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}`;
  const server = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const rows = await server`select 1 from pg_available_extensions where name = 'plpgsql_check'`;
    if (rows.length === 0) return `plpgsql_check is not installed on the server at ${POSTGRES_ADMIN_URL} (Debian package postgresql-15-plpgsql-check)`;
  } finally {
    await server.end({ timeout: 5 });
  }
  try {
    const version = await supabaseCli(["--version"]);
    if (version.code !== 0) return `the Supabase CLI does not run:\n${version.transcript}`;
  } catch (error) {
    return `the Supabase CLI is not installed (node_modules/.bin/supabase): ${(error as Error).message}`;
  }
  return null;
}

const skip = skipUnlessPrerequisites("the Supabase CLI tests", await missingPrerequisite(), INSTALL);

/** `db lint --level error`, failing (non-zero exit) on any error it reports. */
async function expectLintClean(databaseUrl: string): Promise<void> {
  const lint = await supabaseCli(["db", "lint", "--db-url", withoutTls(databaseUrl), "--level", "error", "--fail-on", "error"]);
  expect(lint.code, lint.transcript).toBe(0);
  // Errors are printed to stdout as JSON; nothing at all means nothing was found.
  expect(lint.stdout.trim(), lint.transcript).toBe("");
  expect(lint.stderr, lint.transcript).toMatch(/Linting schema: app_private/);
}

async function expectEveryMigrationApplied(databaseUrl: string): Promise<void> {
  const list = await supabaseCli(["migration", "list", "--db-url", withoutTls(databaseUrl)]);
  expect(list.code, list.transcript).toBe(0);
  expect(migrationListRows(list.stdout), list.transcript).toEqual(VERSIONS.map((version) => [version, version]));
}

describe.skipIf(skip)("the Supabase CLI against PostgreSQL, without Docker", () => {
  it(`is the pinned ${PINNED_VERSION}`, async () => {
    const version = await supabaseCli(["--version"]);
    expect(version.stdout.trim(), version.transcript).toBe(PINNED_VERSION);
  }, CLI_TEST_MS);

  describe("a fresh database shaped like a hosted project's (roles, extensions schema, pg_net's API)", () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase("supabase_cli", { migrate: false });
      await shapeLikeSupabase(database.admin);
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("db push applies every migration, in order", async () => {
      const push = await supabaseCli(["db", "push", "--db-url", withoutTls(database.adminUrl), "--yes"], { timeoutMs: 2 * CLI_TEST_MS });
      expect(push.code, push.transcript).toBe(0);
      const applied = [...push.stderr.matchAll(/Applying migration (\S+)\.\.\./g)].map((match) => match[1]);
      expect(applied, push.transcript).toEqual(MIGRATIONS);
      expect(push.stdout, push.transcript).toMatch(/Finished supabase db push/);
    }, 2 * CLI_TEST_MS);

    it("migration list shows every local migration applied", async () => {
      await expectEveryMigrationApplied(database.adminUrl);
    }, CLI_TEST_MS);

    it("a second db push finds nothing to do", async () => {
      const push = await supabaseCli(["db", "push", "--db-url", withoutTls(database.adminUrl), "--yes"]);
      expect(push.code, push.transcript).toBe(0);
      expect(push.stdout + push.stderr, push.transcript).toMatch(/Remote database is up to date/);
      expect(push.stderr, push.transcript).not.toMatch(/Applying migration/);
    }, CLI_TEST_MS);

    it("db lint --level error finds nothing (pg_net present)", async () => {
      const [net] = await database.admin.query<{ found: boolean }>(
        "select to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is not null as found",
      );
      expect(net!.found).toBe(true);
      await expectLintClean(database.adminUrl);
    }, CLI_TEST_MS);
  });

  describe("plain PostgreSQL, migrated by the project's own migrator (no pg_net)", () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase("supabase_cli_plain");
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("migration list sees the same history the CLI writes", async () => {
      await expectEveryMigrationApplied(database.adminUrl);
    }, CLI_TEST_MS);

    it("db lint --level error finds nothing", async () => {
      const [net] = await database.admin.query<{ found: boolean }>("select to_regnamespace('net') is not null as found");
      expect(net!.found).toBe(false);
      await expectLintClean(database.adminUrl);
    }, CLI_TEST_MS);
  });
});
