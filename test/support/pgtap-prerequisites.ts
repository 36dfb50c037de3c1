// What running the pgTAP files needs besides PostgreSQL itself: pg_prove and psql on the PATH and
// the pgtap extension on the server. Asked by test/database/pgtap.test.ts before it runs, and by
// the end-of-run report to say why the pgTAP tests were skipped.

import { spawnSync } from "node:child_process";
import postgres from "postgres";
import { POSTGRES_ADMIN_URL, serviceAnswers } from "./services.ts";

export const PGTAP_INSTALL = "apt-get install postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl";

/** What this machine lacks to run pgTAP, or null when everything is there. */
export async function missingPgtapPrerequisite(): Promise<string | null> {
  if (!(await serviceAnswers("postgres"))) return `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}`;
  for (const [command, from] of [
    ["pg_prove", "libtap-parser-sourcehandler-pgtap-perl"],
    ["psql", "postgresql-client-15"],
  ] as const) {
    if (spawnSync(command, ["--version"], { stdio: "ignore" }).error) {
      return `${command} is not on the PATH (Debian package ${from})`;
    }
  }
  const server = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const rows = await server`select 1 from pg_available_extensions where name = 'pgtap'`;
    if (rows.length === 0) {
      return `the pgtap extension is not installed on the PostgreSQL server at ${POSTGRES_ADMIN_URL} (Debian package postgresql-15-pgtap)`;
    }
  } catch (error) {
    return `cannot query PostgreSQL at ${POSTGRES_ADMIN_URL}: ${(error as Error).message}`;
  } finally {
    await server.end({ timeout: 5 });
  }
  return null;
}
