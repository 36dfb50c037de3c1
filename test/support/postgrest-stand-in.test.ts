// The PostgREST stand-in behaves as PostgREST documents it, on the points the gateway relies on:
// key and JWT checks, exposed schemas, function lookup, the role switch and request settings in
// one transaction, READ ONLY for GET, and PostgREST's status for a SQLSTATE.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorStatus, type PostgrestStandIn, signJwt, startPostgrestStandIn } from "./postgrest-stand-in.ts";
import { serviceAvailable } from "./services.ts";
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

test.each([
  ["PT404", 404], ["PT999", 500], ["23503", 409], ["23505", 409], ["25006", 405], ["P0001", 400], ["P0002", 500],
  ["08006", 503], ["53300", 503], ["57P01", 503], ["57014", 500], ["42883", 404], ["22P02", 400], ["23514", 400], ["XX000", 500],
])("PostgREST's status for SQLSTATE %s is %i", (code, status) => {
  expect(errorStatus(code, "", false)).toBe(status);
});
