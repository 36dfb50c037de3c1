// The PostgREST stand-in behaves as PostgREST documents it, on the points the gateway relies on:
// key and JWT checks, exposed schemas, function lookup, the role switch and request settings in
// one transaction, READ ONLY for GET, and PostgREST's status for a SQLSTATE. Then the details
// of PostgREST's setPgLocals/queryRoleSettings, on which the wire transport must agree with it.

import { randomBytes } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPostgresDatabase } from "../../functions/_shared/db/postgres.ts";
import { errorStatus, type PostgrestStandIn, signAnonKey, signJwt, startPostgrestStandIn } from "./postgrest-stand-in.ts";
import { POSTGRES_ADMIN_URL, serviceAvailable } from "./services.ts";
import { shapeLikeSupabase } from "./supabase-shape.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

const available = await serviceAvailable("postgres");
const SECRET = "stand-in-test-jwt-secret-of-32-or-more-chars";
const ANON = signJwt({ iss: "supabase", role: "anon" }, SECRET);

let database: TestDatabase;
let standIn: PostgrestStandIn;

const call = (fn: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; query?: string } = {}) =>
  fetch(`${standIn.url}/rest/v1/rpc/${fn}${init.query ?? ""}`, {
    method: init.method ?? "POST",
    headers: { apikey: ANON, authorization: `Bearer ${ANON}`, "content-type": "application/json", ...init.headers },
    body: init.method === "GET" ? undefined : JSON.stringify(init.body ?? {}),
  });

describe.skipIf(!available)("PostgREST stand-in", () => {
  beforeAll(async () => {
    database = await createTestDatabase("postgrest_stand_in");
    await database.admin.exec(`
      create function api.whoami(tag text default null) returns json language sql volatile as $$
        select json_build_object('role', current_user, 'tag', tag,
          'key', current_setting('request.headers', true)::json->>'x-api-key',
          'cookie', current_setting('request.headers', true)::json->>'cookie',
          'claims', current_setting('request.jwt.claims', true)::json,
          'read_only', current_setting('transaction_read_only'),
          'timeout', current_setting('statement_timeout'))
      $$;
      create function api.write_something() returns int language sql volatile as $$
        create temporary table t (x int); select 1
      $$;
      create function api.fail(code text) returns int language plpgsql as $$
        begin raise sqlstate 'PT418' using message = code, detail = 'd', hint = 'h'; end $$;
      create function public.not_exposed() returns int language sql as $$ select 1 $$;
      grant execute on function api.whoami(text), api.write_something(), api.fail(text), public.not_exposed() to anon;
      create function api.echo_json(doc json default null) returns json language sql immutable as $$ select doc $$;
      grant execute on function api.echo_json(json) to anon;
      create function api.forbidden() returns int language sql as $$ select 1 $$;
      revoke execute on function api.forbidden() from public;`);
    standIn = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: SECRET });
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await database?.drop();
  });

  test("runs the function as anon, with the request's headers (minus cookie), claims and the role's timeout", async () => {
    const response = await call("whoami", { body: { tag: "t" }, headers: { "x-api-key": "wbk_x", cookie: "a=b" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      role: "anon", tag: "t", key: "wbk_x", cookie: null, claims: { iss: "supabase", role: "anon" }, read_only: "off", timeout: "3s",
    });
  });

  test("a json parameter gets the member's text as the client wrote it (PostgREST: json_to_record over the raw body)", async () => {
    const response = await fetch(`${standIn.url}/rest/v1/rpc/echo_json`, {
      method: "POST",
      headers: { apikey: ANON, authorization: `Bearer ${ANON}`, "content-type": "application/json" },
      body: '{"doc": {"2": "b", "1": 1.0, "n": 9007199254740993}}',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"2": "b", "1": 1.0, "n": 9007199254740993}');
  });

  test("GET passes arguments from the query string and runs READ ONLY; a write there is 405", async () => {
    const read = await call("whoami", { method: "GET", query: "?tag=q", headers: { "accept-profile": "api" } });
    expect(await read.json()).toMatchObject({ tag: "q", read_only: "on" });
    const write = await call("write_something", { method: "GET" });
    expect(write.status).toBe(405);
    expect(((await write.json()) as { code: string }).code).toBe("25006");
  });

  test("PTnnn → status nnn with {code,message,details,hint}", async () => {
    const response = await call("fail", { body: { code: "teapot" } });
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ code: "PT418", message: "teapot", details: "d", hint: "h" });
  });

  test("insufficient privilege is 401 for anon, 403 for another role", async () => {
    expect((await call("forbidden")).status).toBe(401);
    const service = signJwt({ role: "service_role" }, SECRET);
    const asService = await call("forbidden", { headers: { authorization: `Bearer ${service}` } });
    // service_role is not granted EXECUTE either (revoked from public); it is an authenticated role.
    expect(asService.status).toBe(403);
  });

  test("keys, tokens, schemas and function lookup fail like Kong and PostgREST", async () => {
    const other = signJwt({ role: "anon" }, "another-project-secret-of-32-or-more-chars");
    expect((await call("whoami", { headers: { apikey: other } })).status).toBe(401);
    const badToken = await call("whoami", { headers: { authorization: `Bearer ${other}` } });
    expect(badToken.status).toBe(401);
    expect(((await badToken.json()) as { code: string }).code).toBe("PGRST301");
    const expired = signJwt({ role: "anon", exp: Math.floor(Date.now() / 1000) - 10 }, SECRET);
    expect(((await (await call("whoami", { headers: { authorization: `Bearer ${expired}` } })).json()) as { code: string }).code).toBe("PGRST303");
    const schema = await call("not_exposed", { headers: { "content-profile": "public" } });
    expect(schema.status).toBe(406);
    expect(((await schema.json()) as { code: string }).code).toBe("PGRST106");
    const unknown = await call("whoami", { body: { nope: 1 } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("PGRST202");
  });
});

describe.skipIf(!available)("PostgREST's request details", () => {
  let database: TestDatabase;
  let standIn: PostgrestStandIn;
  const PUBLISHABLE = "sb_publishable_standInTest_0123456789";

  beforeAll(async () => {
    database = await createTestDatabase("postgrest_details");
    await database.admin.exec(`
      create function api.echo() returns json language sql volatile as $$
        select json_build_object('role', current_user,
          'headers', current_setting('request.headers', true)::json,
          'claims', current_setting('request.jwt.claims', true)::json)
      $$;
      create function api.fail() returns int language plpgsql as $$
        begin raise sqlstate 'PT418' using message = 'teapot', detail = 'd', hint = 'h'; end $$;
      grant execute on function api.echo(), api.fail() to anon;`);
    standIn = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: SECRET, publishableKeys: [PUBLISHABLE] });
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await database?.drop();
  });

  /** A request with headers exactly as given (duplicates too), which fetch would merge. */
  function rawPost(fn: string, headers: string[]): Promise<{ status: number; body: any }> {
    const { hostname, port } = new URL(standIn.url);
    return new Promise((resolve, reject) => {
      // A raw header list gets no Host added for it.
      const all = ["host", `${hostname}:${port}`, "content-type", "application/json", ...headers];
      const req = http.request({ hostname, port, method: "POST", path: `/rest/v1/rpc/${fn}`, headers: all }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode!, body: JSON.parse(text) });
          } catch {
            reject(new Error(`HTTP ${res.statusCode}: ${text}`));
          }
        });
      });
      req.once("error", reject);
      req.end("{}");
    });
  }

  test("a repeated header reaches request.headers with its last value", async () => {
    const { status, body } = await rawPost("echo", ["apikey", ANON, "x-api-key", "wbk_first", "X-Api-Key", "wbk_last", "x-note", "a", "x-note", "b"]);
    expect(status).toBe(200);
    expect(body.headers).toMatchObject({ "x-api-key": "wbk_last", "x-note": "b" });
  });

  test("an Authorization header that is not a Bearer token is anonymous, not a 401", async () => {
    const { status, body } = await rawPost("echo", ["apikey", ANON, "authorization", "Basic dXNlcjpwYXNz"]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ role: "anon", claims: { role: "anon" } });
  });

  test("a real anon key's claims reach request.jwt.claims; a publishable key's bearer becomes the platform's anon claims", async () => {
    const anonKey = signAnonKey(SECRET, "abcdefghijklmnopqrst");
    const legacy = await rawPost("echo", ["apikey", anonKey, "authorization", `Bearer ${anonKey}`]);
    expect(legacy.body.claims).toEqual({ iss: "supabase", ref: "abcdefghijklmnopqrst", role: "anon", iat: expect.any(Number), exp: expect.any(Number) });
    const publishable = await rawPost("echo", ["apikey", PUBLISHABLE, "authorization", `Bearer ${PUBLISHABLE}`]);
    expect(publishable.status).toBe(200);
    expect(publishable.body).toMatchObject({ role: "anon", claims: { iss: "supabase", role: "anon" } });
  });

  test("with legacy keys disabled, a JWT apikey is refused without a SQLSTATE; a publishable one still works", async () => {
    const disabled = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: SECRET, publishableKeys: [PUBLISHABLE], legacyKeysDisabled: true });
    try {
      const post = (key: string) =>
        fetch(`${disabled.url}/rest/v1/rpc/echo`, { method: "POST", headers: { apikey: key, authorization: `Bearer ${key}`, "content-type": "application/json" }, body: "{}" });
      const refused = await post(ANON);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ message: "Legacy API keys are disabled" });
      expect((await post(PUBLISHABLE)).status).toBe(200);
    } finally {
      await disabled.close();
    }
  });

  test("client-error-verbosity minimal: {code, message} only", async () => {
    const minimal = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: SECRET, clientErrorVerbosity: "minimal" });
    try {
      const response = await fetch(`${minimal.url}/rest/v1/rpc/fail`, {
        method: "POST", headers: { apikey: ANON, authorization: `Bearer ${ANON}`, "content-type": "application/json" }, body: "{}",
      });
      expect(response.status).toBe(418);
      expect(await response.json()).toEqual({ code: "PT418", message: "teapot" });
    } finally {
      await minimal.close();
    }
  });
});

// The role's own settings as PostgREST applies them (queryRoleSettings, then txVarQuery): only
// pg_roles.rolconfig (not `alter role … in database`), only what the connecting role may set
// (`user` context, or granted with GRANT SET ON PARAMETER — which works only because they are
// applied before the role switch), all of them, and default_transaction_isolation as the
// transaction's isolation level. The stand-in and the wire transport must agree. A role pair of
// this test's own (cluster-wide objects), dropped at the end.
describe.skipIf(!available)("role settings: the stand-in and the wire transport agree with PostgREST", () => {
  const suffix = randomBytes(4).toString("hex");
  const role = `settings_anon_${suffix}`;
  const login = `settings_authenticator_${suffix}`;
  let database: TestDatabase;
  let standIn: PostgrestStandIn;
  let loginUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgrest_role_settings", { migrate: false });
    await shapeLikeSupabase(database.admin, { pgNet: false });
    await database.admin.exec(`
      create role ${role} nologin noinherit;
      create role ${login} login noinherit;
      grant ${role} to ${login};
      alter role ${role} set statement_timeout = '4s';
      alter role ${role} set work_mem = '5MB';
      alter role ${role} set default_transaction_isolation = 'repeatable read';
      alter role ${role} set log_statement = 'mod';
      grant set on parameter log_statement to ${login};
      alter role ${role} set log_min_duration_statement = '1234';
      alter role ${role} in database "${database.name}" set lock_timeout = '7s';
      create schema api;
      grant usage on schema api to ${role};
      -- Named like an api function the wire transport knows; reports what the request set.
      create function api.get_activity(id uuid) returns json language sql volatile as $$
        select json_build_object('role', current_user,
          'statement_timeout', current_setting('statement_timeout'),
          'work_mem', current_setting('work_mem'),
          'log_statement', current_setting('log_statement'),
          'log_min_duration_statement', current_setting('log_min_duration_statement'),
          'lock_timeout', current_setting('lock_timeout'),
          'isolation', current_setting('transaction_isolation'),
          'claims_role', current_setting('request.jwt.claims', true)::json->>'role',
          'key', current_setting('request.headers', true)::json->>'x-api-key')
      $$;
      grant execute on function api.get_activity(uuid) to ${role};`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${database.name}`;
    url.username = login;
    loginUrl = url.toString();
    standIn = await startPostgrestStandIn({ databaseUrl: loginUrl, jwtSecret: SECRET, anonRole: role });
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await database?.drop();
    await database?.admin.close().catch(() => {});
    const { default: postgres } = await import("postgres");
    const server = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await server.unsafe(`revoke set on parameter log_statement from ${login}; drop role if exists ${login}; drop role if exists ${role}`);
    } finally {
      await server.end();
    }
  });

  const expected = {
    role,
    statement_timeout: "4s",
    work_mem: "5MB",
    log_statement: "mod",
    // Not the connecting role's to set, so not applied (it would fail every request).
    log_min_duration_statement: "-1",
    // Set for one database only: PostgREST reads pg_roles.rolconfig, which has none of those.
    lock_timeout: "0",
    isolation: "repeatable read",
    claims_role: role,
    key: "wbk_role_settings",
  };
  const id = "6d1c3a4e-0b1f-4c55-9a53-2f0d1e7c9a11";

  test("through the stand-in", async () => {
    const response = await fetch(`${standIn.url}/rest/v1/rpc/get_activity`, {
      method: "POST",
      headers: { apikey: ANON, "x-api-key": "wbk_role_settings", "content-type": "application/json" },
      body: JSON.stringify({ id }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(expected);
    expect(Object.keys(standIn.stats.lastLocals!).indexOf("log_statement")).toBeLessThan(Object.keys(standIn.stats.lastLocals!).indexOf("role"));
  });

  test("through the wire transport (postgres.js), reading the role's settings at first use", async () => {
    const db = createPostgresDatabase({ url: loginUrl, max: 1, settings: { role, claims: { iss: "supabase" } } });
    try {
      expect(await db.rpc({ fn: "get_activity", args: { id }, apiKey: "wbk_role_settings" })).toEqual(expected);
      // A read: READ ONLY, at the role's isolation level still.
      expect(await db.rpc({ fn: "get_activity", args: { id }, apiKey: "wbk_role_settings", readOnly: true })).toEqual(expected);
    } finally {
      await db.close();
    }
  });
});

test.each([
  ["PT404", 404], ["PT999", 500], ["23503", 409], ["23505", 409], ["25006", 405], ["P0001", 400], ["P0002", 500],
  ["08006", 503], ["53300", 503], ["57P01", 503], ["57014", 500], ["42883", 404], ["22P02", 400], ["23514", 400], ["XX000", 500],
])("PostgREST's status for SQLSTATE %s is %i", (code, status) => {
  expect(errorStatus(code, "", false)).toBe(status);
});
