// Runs the pgTAP files of supabase/tests/database with pg_prove, as `supabase test db` would but
// without Docker, against a PostgreSQL database made for this run (the real compat script and
// migrations via the project's migrator, plus the pgtap extension, plus the helpers every file
// uses: schema `tests` from supabase/tests/tests-schema.sql). One vitest test per file and time
// zone, so a failure names both and prints the TAP output: each file runs in UTC and again in a
// zone off UTC, where a timestamp formatted in the session's zone shows. Without PostgreSQL, the
// pgtap extension or pg_prove the suite is skipped with a loud warning, or fails when services
// are required (REQUIRE_SERVICES).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingPgtapPrerequisite, PGTAP_INSTALL } from "../support/pgtap-prerequisites.ts";
import { prerequisiteMissing } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const TESTS_DIR = fileURLToPath(new URL("../../supabase/tests/database/", import.meta.url));
const TEST_FILES = readdirSync(TESTS_DIR).filter((file) => file.endsWith(".sql")).sort();
/** The helpers the files share (schema `tests`), created once in the test database. */
const TESTS_SCHEMA = fileURLToPath(new URL("../../supabase/tests/tests-schema.sql", import.meta.url));
// Every file runs once in UTC and once in a zone off UTC by a fraction of an hour, so a timestamp
// formatted without `at time zone 'UTC'` is caught even though the server itself runs in UTC.
const SESSION_TIME_ZONES = ["UTC", "America/St_Johns"];
const FILE_TIMEOUT_MS = 60_000;
const missing = await missingPgtapPrerequisite();
const available =
  missing === null ||
  prerequisiteMissing(
    "the pgTAP database tests",
    missing,
    `They need a running PostgreSQL with the pgtap extension, and pg_prove: ${PGTAP_INSTALL}`,
  );

interface ProveRun {
  code: number | null;
  output: string;
}

/** pg_prove over one file; stdout and stderr interleaved as they came (psql errors go to stderr). */
function prove(databaseUrl: string, file: string, timeZone: string): Promise<ProveRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("pg_prove", ["--ext", ".sql", "--verbose", "-d", databaseUrl, file], {
      // PGTZ sets the session's TimeZone, as a client in another zone would.
      env: { ...process.env, PGCONNECT_TIMEOUT: "10", PGTZ: timeZone },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), FILE_TIMEOUT_MS - 5_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(!available)("pgTAP database tests (supabase/tests/database)", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase("pgtap");
    await database.admin.exec("set client_min_messages = warning; create extension if not exists pgtap");
    await database.admin.exec(readFileSync(TESTS_SCHEMA, "utf8"));
  }, 60_000);

  afterAll(async () => {
    // drop … with (force) terminates the database's remaining connections first.
    await database?.drop();
  });

  it("finds the pgTAP files", () => {
    expect(TEST_FILES.length, `no .sql files in ${TESTS_DIR}`).toBeGreaterThan(0);
  });

  for (const timeZone of SESSION_TIME_ZONES) {
    for (const file of TEST_FILES) {
      it(
        `${file} (TimeZone ${timeZone})`,
        async () => {
          const run = await prove(database.adminUrl, join(TESTS_DIR, file), timeZone);
          if (run.code !== 0) {
            throw new Error(`pg_prove failed for supabase/tests/database/${file} under TimeZone ${timeZone} (exit ${run.code}):\n${run.output}`);
          }
          expect(run.output).toMatch(/^All tests successful\./m);
        },
        FILE_TIMEOUT_MS,
      );
    }
  }

  // Every file ends in rollback; one that committed would leak rows into the files after it.
  it("leaves no rows behind", async () => {
    const rows = await database.admin.query<{ table: string; rows: number }>(
      `select t.table, t.rows from (
         select 'workspaces' as table, count(*)::int as rows from app.workspaces
         union all select 'workspace_members', count(*)::int from app.workspace_members
         union all select 'contacts', count(*)::int from app.contacts
         union all select 'deals', count(*)::int from app.deals
         union all select 'activities', count(*)::int from app.activities
         union all select 'api_keys', count(*)::int from app.api_keys
       ) t where t.rows > 0`,
    );
    expect(rows).toEqual([]);
  });
});
