// `npm run migrate`: brings a database up to date and exits — Supabase's roles and auth helpers
// where they are missing, then every pending migration — the same steps `npm start` takes with
// MIGRATE=1, without starting a server. For the Deno and Workers entries, which never migrate,
// and for operators who migrate before deploying. It migrates DATABASE_ADMIN_URL if set, else
// DATABASE_URL, else the embedded database in DATA_DIR; SEED_DEMO=1 adds the demo workspace and
// prints its key (kept per database, see demo-seed.ts).

import { databaseLocation } from "../_shared/db/schema-probe.ts";
import { configureOrExit } from "../_shared/entry.ts";
import { parseEnv } from "../_shared/env.ts";
import { openDatabase } from "./database.ts";
import { DEMO_SCOPES, demoKeyFile, seedDemo } from "./demo-seed.ts";
import { migrate } from "./migrations.ts";
import { NodeEnvSchema } from "./node-env.ts";
import { migrationFailure } from "./postgres-failure.ts";

async function main(): Promise<void> {
  const env = configureOrExit(() => parseEnv(NodeEnvSchema, process.env), {
    report: (message) => process.stderr.write(`${message}\n`),
    exit: (code) => process.exit(code),
  });
  const url = env.DATABASE_ADMIN_URL ?? env.DATABASE_URL;
  const where = url === undefined ? `the embedded database in ${env.DATA_DIR}` : `PostgreSQL at ${databaseLocation(url)}`;
  const database = await openDatabase(env);
  try {
    const report = await migrate(database.admin).catch((error: unknown) => {
      throw new Error(migrationFailure(error, env));
    });
    process.stderr.write(
      `migrate: ${where} is up to date (${report.applied.length} applied${report.applied.length ? `: ${report.applied.join(", ")}` : ""}; ${report.skipped} already applied)\n`,
    );
    if (env.SEED_DEMO) {
      const demo = await seedDemo(database.admin, { demoApiKey: env.DEMO_API_KEY, keyFile: demoKeyFile(env.DATA_DIR, env.DATABASE_URL) });
      process.stderr.write(`Demo API key (scopes ${DEMO_SCOPES.join(", ")}):\n`);
      process.stdout.write(`${demo.apiKey}\n`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
