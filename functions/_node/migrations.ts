// Applies supabase/compat (Supabase's roles and auth helpers, where missing) and then every
// pending file of supabase/migrations in order, each in its own transaction, recording them in
// supabase_migrations.schema_migrations like the Supabase CLI does — so a database migrated
// here is seen as up to date by `supabase migration list --db-url …`, and vice versa.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SqlExecutor } from "./sql-executor.ts";

export const SUPABASE_DIR = new URL("../../supabase/", import.meta.url).pathname;

// Serialises concurrent migrators (two servers starting at once) on one database.
const MIGRATION_LOCK = 7_382_019;

export interface MigrationReport {
  applied: string[];
  skipped: number;
}

export async function migrate(db: SqlExecutor, supabaseDir = SUPABASE_DIR): Promise<MigrationReport> {
  for (const file of await sqlFiles(join(supabaseDir, "compat"))) {
    await db.transaction(async (tx) => {
      await tx.exec("set local client_min_messages = warning");
      await tx.exec(await readFile(join(supabaseDir, "compat", file), "utf8"));
    });
  }
  await db.exec(`
    set client_min_messages = warning;
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key, statements text[], name text
    );`);

  const report: MigrationReport = { applied: [], skipped: 0 };
  for (const file of await sqlFiles(join(supabaseDir, "migrations"))) {
    const match = /^(\d+)_(.+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file name must be <timestamp>_<name>.sql: ${file}`);
    const [, version, name] = match;
    const script = await readFile(join(supabaseDir, "migrations", file), "utf8");
    const applied = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const done = await tx.query("select 1 from supabase_migrations.schema_migrations where version = $1", [version]);
      if (done.length > 0) return false;
      await tx.exec("set local client_min_messages = warning");
      await tx.exec(script);
      await tx.query(
        "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
        [version, [script], name],
      );
      return true;
    });
    if (applied) report.applied.push(file);
    else report.skipped++;
  }
  return report;
}

async function sqlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((file) => file.endsWith(".sql")).sort();
}
