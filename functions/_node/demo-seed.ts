// The demo workspace of the doc's example (supabase/seed.sql) and a demo API key for it, so a
// newcomer's first curl works. Idempotent: the seed uses ON CONFLICT, and the key is reused —
// DEMO_API_KEY when given, otherwise the one remembered in the data directory while it is
// still active — and created only when neither exists. Each database has its own key file in
// the data directory, so seeding a PostgreSQL from the same checkout leaves the embedded
// database's key (the one `npm start` prints) alone.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { SUPABASE_DIR } from "./migrations.ts";
import type { SqlExecutor } from "./sql-executor.ts";

export const DEMO_WORKSPACE_ID = "d0c5e000-0000-4000-8000-000000000001";
export const DEMO_USER_ID = "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d";
export const DEMO_CONTACT_ID = "123e4567-e89b-12d3-a456-426614174000";
export const DEMO_DEAL_ID = "3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a";
export const DEMO_SCOPES = ["activities:write", "activities:read", "webhooks:write", "webhooks:read"];

/**
 * Where the demo key of a database is remembered: `demo-api-key` for the embedded one,
 * `demo-api-key.<host>_<port>_<database>` for a PostgreSQL (its URL without credentials).
 */
export function demoKeyFile(dataDir: string, databaseUrl: string | undefined): string {
  if (databaseUrl === undefined) return join(dataDir, "demo-api-key");
  const url = new URL(databaseUrl);
  const identity = `${url.hostname}_${url.port || "5432"}_${decodeURIComponent(url.pathname.slice(1)) || "postgres"}`;
  return join(dataDir, `demo-api-key.${identity.replace(/[^A-Za-z0-9.-]/g, "_")}`);
}

export interface DemoSeed {
  apiKey: string;
  created: boolean;
}

export async function seedDemo(db: SqlExecutor, options: { demoApiKey?: string; keyFile: string }): Promise<DemoSeed> {
  await db.exec(await readFile(join(SUPABASE_DIR, "seed.sql"), "utf8"));

  const remembered = options.demoApiKey ?? (await readFile(options.keyFile, "utf8").catch(() => "")).trim();
  if (remembered !== "") {
    const [state] = await db.query<{ active: boolean }>(
      `select (revoked_at is null and (expires_at is null or expires_at > now())) as active
         from app.api_keys where key_hash = sha256(convert_to($1, 'UTF8'))`,
      [remembered],
    );
    if (state?.active) return { apiKey: remembered, created: false };
    if (state && options.demoApiKey) {
      throw new Error("DEMO_API_KEY names a key that was revoked or has expired; choose another value.");
    }
  }
  const [row] = await db.query<{ key: { key: string } }>(
    "select admin.create_api_key($1::text[], $2::uuid, $3::uuid, 'demo', null, $4) as key",
    [DEMO_SCOPES, DEMO_WORKSPACE_ID, DEMO_USER_ID, options.demoApiKey ?? null],
  );
  const apiKey = row!.key.key;
  if (!options.demoApiKey) {
    await mkdir(dirname(options.keyFile), { recursive: true });
    await writeFile(options.keyFile, `${apiKey}\n`, { mode: 0o600 });
  }
  return { apiKey, created: true };
}
