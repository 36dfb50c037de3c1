// What would break or mislead on a hosted Supabase project, checked against the PostgREST
// stand-in (test/support/postgrest-stand-in.ts) playing the parts of the platform that matter:
// which project key the function sends when legacy keys are disabled, reads reaching a lagging
// read replica, the platform's own transient statuses, PostgREST's minimal error verbosity, and
// the README's advice on exposing the `api` schema.

import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../functions/_shared/db/database.ts";
import { chooseDataPath, openDataPath } from "../../functions/_shared/db/data-path.ts";
import { createSupabaseDatabase, ProjectKeyRefusedError } from "../../functions/_shared/db/supabase.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import type { Logger, LogFields } from "../../functions/_shared/log.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { createServices } from "../../functions/api-gateway/services.ts";
import type { SqlExecutor } from "../../functions/_node/sql-executor.ts";
import { Fixtures, type Workspace } from "../support/fixtures.ts";
import { type PostgrestStandIn, type PostgrestStandInOptions, signAnonKey, startPostgrestStandIn } from "../support/postgrest-stand-in.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const available = await serviceAvailable("postgres");
const JWT_SECRET = "hosted-supabase-test-jwt-secret-of-32-or-more-chars";
const LEGACY_ANON_KEY = signAnonKey(JWT_SECRET);
const PUBLISHABLE_KEY = "sb_publishable_hostedTestKey_0123456789";

type ErrorJson = { error: { code: string; message: string; param?: string; request_id: string } };

/** The gateway over `db` (by default the data path an edge entry chooses from `vars`), logging errors into `errors`. */
function gateway(vars: Record<string, string>, db?: Database) {
  const errors: LogFields[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_message, fields = {}) => errors.push(fields) };
  const env = parseEnv(GatewayEnvSchema, vars);
  const app = createApp(createServices(env, db ?? openDataPath(chooseDataPath(env), env), { logger }));
  const call = (method: string, path: string, key: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { call, errors };
}

describe.skipIf(!available)("on a hosted project (PostgREST stand-in)", () => {
  let database: TestDatabase;
  let fixtures: Fixtures;
  const standIns: PostgrestStandIn[] = [];
  const standIn = async (options: Partial<PostgrestStandInOptions> = {}) => {
    const started = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: JWT_SECRET, ...options });
    standIns.push(started);
    return started;
  };

  beforeAll(async () => {
    database = await createTestDatabase("supabase_hosted");
    fixtures = new Fixtures(database.admin);
  }, 60_000);

  afterAll(async () => {
    for (const started of standIns) await started.close();
    await database?.drop();
  });

  describe("1. the project key, once legacy keys are disabled", () => {
    let postgrest: PostgrestStandIn;
    beforeAll(async () => {
      postgrest = await standIn({ legacyKeysDisabled: true, publishableKeys: [PUBLISHABLE_KEY] });
    });

    test("with the variables hosted Supabase sets (a legacy JWT in SUPABASE_ANON_KEY too), the publishable key is used and requests succeed", async () => {
      const key = await fixtures.key(await fixtures.workspace());
      const { call } = gateway({
        SUPABASE_URL: postgrest.url,
        SUPABASE_ANON_KEY: LEGACY_ANON_KEY,
        SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PUBLISHABLE_KEY }),
      });
      const response = await call("POST", "/v1/activities", key, { type: "call" });
      expect(response.status).toBe(201);
      // PostgREST saw the anon claims the platform mints for a publishable key.
      expect(JSON.parse(postgrest.stats.lastLocals!["request.jwt.claims"]!)).toMatchObject({ role: "anon", iss: "supabase" });
    });

    test("with only the legacy key: a 500 for the caller, and one logged error that names the variable and the fix", async () => {
      const key = await fixtures.key(await fixtures.workspace());
      const { call, errors } = gateway({ SUPABASE_URL: postgrest.url, SUPABASE_ANON_KEY: LEGACY_ANON_KEY });
      const response = await call("POST", "/v1/activities", key, { type: "call" });
      expect(response.status).toBe(500);
      const body = (await response.json()) as ErrorJson;
      expect(body.error.code).toBe("internal_error");
      expect(JSON.stringify(body)).not.toMatch(/legacy|SUPABASE_/i);
      expect(errors).toHaveLength(1);
      const logged = errors[0]!.error;
      expect(logged).toBeInstanceOf(ProjectKeyRefusedError);
      expect((logged as Error).message).toMatch(/SUPABASE_ANON_KEY .*Legacy API keys are disabled.*publishable key/s);
    });
  });

  describe("2. reads with a read replica behind the API load balancer", () => {
    let replica: TestDatabase;
    let postgrest: PostgrestStandIn;
    let ws: Workspace;
    let key: string;
    const TABLES = ["app.workspaces", "app.workspace_members", "app.contacts", "app.deals", "app.api_keys", "app.activities"];

    /** The replica catches up: a copy of the primary's rows as they are now. */
    async function replicate(from: SqlExecutor, to: SqlExecutor) {
      await to.exec(`truncate ${TABLES.join(", ")} cascade`);
      for (const table of TABLES) {
        const [{ rows }] = (await from.query<{ rows: unknown }>(`select coalesce(json_agg(t), '[]') as rows from ${table} t`)) as [{ rows: unknown }];
        await to.query(`insert into ${table} select * from json_populate_recordset(null::${table}, $1::text::json)`, [JSON.stringify(rows)]);
      }
    }

    beforeAll(async () => {
      replica = await createTestDatabase("supabase_hosted_replica");
      postgrest = await standIn({ readReplicaUrl: replica.apiUrl });
      ws = await fixtures.workspace();
      key = await fixtures.key(ws);
    }, 60_000);
    afterAll(async () => {
      await replica?.drop();
    });

    const app = () => gateway({ SUPABASE_URL: postgrest.url, SUPABASE_ANON_KEY: LEGACY_ANON_KEY });

    test("a key created a moment ago reads an activity written a moment ago (both not yet on the replica)", async () => {
      const { call } = app();
      const created = await call("POST", "/v1/activities", key, { type: "note" });
      expect(created.status).toBe(201);
      const { id } = ((await created.json()) as { data: { activity: { id: string } } }).data.activity;
      const read = await call("GET", `/v1/activities/${id}`, key);
      expect(read.status).toBe(200);
    });

    test("a key revoked on the primary is refused at once, though the replica still has it valid", async () => {
      const { call } = app();
      const created = await call("POST", "/v1/activities", key, { type: "note" });
      const { id } = ((await created.json()) as { data: { activity: { id: string } } }).data.activity;
      await replicate(database.admin, replica.admin);
      await database.admin.query("update app.api_keys set revoked_at = now() where key_hash = sha256(convert_to($1, 'UTF8'))", [key]);
      const read = await call("GET", `/v1/activities/${id}`, key);
      expect(read.status).toBe(401);
      expect(((await read.json()) as ErrorJson).error.code).toBe("invalid_key");
    });

    test("every call on the PostgREST path was a POST", () => {
      expect(postgrest.stats.methods.length).toBeGreaterThan(0);
      expect(new Set(postgrest.stats.methods)).toEqual(new Set(["POST"]));
    });
  });

  describe("3. the platform's transient statuses (no SQLSTATE body)", () => {
    test.each([521, 522, 523, 524, 530, 540, 544, 502, 503, 504])("HTTP %i → 503 service_unavailable with Retry-After", async (status) => {
      const key = await fixtures.key(await fixtures.workspace());
      const platform = (async () => new Response("<html>upstream trouble</html>", { status, headers: { "content-type": "text/html" } })) as typeof fetch;
      const { call } = gateway({}, createSupabaseDatabase({ url: "https://project.supabase.co", key: PUBLISHABLE_KEY, fetch: platform }));
      const response = await call("POST", "/v1/activities", key, { type: "call" });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(((await response.json()) as ErrorJson).error.code).toBe("service_unavailable");
    });
  });

  describe("4. PostgREST with client-error-verbosity = minimal (no details, no hint)", () => {
    // What the client then gets, side by side with the default (verbose): the status and the
    // error code survive; the specific message and `param` do not. README says so.
    test.each([["verbose"], ["minimal"]] as const)("%s: unknown endpoint id and unknown key", async (verbosity) => {
      const postgrest = await standIn({ clientErrorVerbosity: verbosity });
      const { call } = gateway({ SUPABASE_URL: postgrest.url, SUPABASE_ANON_KEY: LEGACY_ANON_KEY });
      const key = await fixtures.key(await fixtures.workspace(), { scopes: ["webhooks:read"] });

      const missing = await call("GET", "/v1/webhook_endpoints/we_6b1f0f4e-3a59-4c55-9a53-2f0d1e7c9a11", key);
      expect(missing.status).toBe(404);
      const notFound = ((await missing.json()) as ErrorJson).error;
      expect(notFound.code).toBe("webhook_endpoint_not_found");

      const unknown = await call("GET", "/v1/webhook_endpoints", `wbk_${"0".repeat(64)}`);
      expect(unknown.status).toBe(401);
      expect(unknown.headers.get("www-authenticate")).toMatch(/^Bearer /);
      const invalid = ((await unknown.json()) as ErrorJson).error;
      expect(invalid.code).toBe("invalid_key");

      if (verbosity === "verbose") {
        expect(notFound).toMatchObject({ param: "id", message: expect.stringMatching(/No webhook endpoint with id we_6b1f0f4e/) });
        expect(invalid.message).toMatch(/unknown, expired or revoked/);
      } else {
        expect(notFound.param).toBeUndefined();
        expect(notFound.message).toBe("webhook endpoint not found");
        expect(invalid.message).toBe("invalid key");
      }
    });
  });
});

describe("5. README: exposing the api schema", () => {
  test("the deploy section says what `supabase config push` sets, gives the dashboard route and the authenticator override", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const deploy = readme.slice(readme.indexOf("<!-- section: deploy -->"), readme.indexOf("<!-- /section: deploy -->"));
    const config = await readFile(new URL("../../supabase/config.toml", import.meta.url), "utf8");
    const schemas = /\[api\][^[]*?\nschemas\s*=\s*\[([^\]]*)\]/.exec(config)![1]!.split(",").map((name) => name.trim().replaceAll('"', ""));
    // config push replaces the project's list with config.toml's, so the README must name it.
    expect(deploy).toContain(`exactly \`${schemas.join(", ")}\``);
    expect(deploy).toMatch(/Exposed schemas/);
    expect(deploy).toMatch(/alter role authenticator set pgrst\.db_schemas = '[^']*\bapi\b[^']*'/);
    expect(deploy).toMatch(/notify pgrst, 'reload config'/);
    expect(deploy).toMatch(/Auth/);
  });
});
