// The contract over the supabase-js transport: createApp in-process on Node with the Database
// that Supabase deployments use (supabase-js → PostgREST), against the PostgREST stand-in in
// front of real PostgreSQL, with real Redis behind the Upstash REST stand-in. supabase-js builds
// the real requests; the stand-in applies PostgREST's per-request setup and error mapping; our
// mapping turns PostgREST's answers into the API's errors. Then the failures only this path has.

import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSupabaseDatabase, fromPostgrest } from "../../functions/_shared/db/supabase.ts";
import { toApiError } from "../../functions/_shared/db/api-errors.ts";
import { DatabaseError, DatabaseUnavailableError } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { createServices } from "../../functions/api-gateway/services.ts";
import { Fixtures } from "../support/fixtures.ts";
import { type PostgrestStandIn, signJwt, startPostgrestStandIn } from "../support/postgrest-stand-in.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startUpstashRest, type UpstashRestServer } from "../support/upstash-rest.ts";
import { type ContractTarget, describeActivitiesContract } from "./activities.contract.ts";
import { describeTimelineContract } from "./timeline.contract.ts";
import { describeActivityChangesContract } from "./activity-changes.contract.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));
const JWT_SECRET = "supabase-js-contract-jwt-secret-of-32-or-more-chars";
const ANON_KEY = signJwt({ iss: "supabase", role: "anon" }, JWT_SECRET);

let database: TestDatabase;
let upstash: UpstashRestServer;
let postgrest: PostgrestStandIn;
let target: ContractTarget;

describe.skipIf(!available)("supabase-js → PostgREST stand-in → PostgreSQL", () => {
  beforeAll(async () => {
    database = await createTestDatabase("contract_supabase_js");
    await database.admin.exec(await readFile(new URL("../../supabase/seed.sql", import.meta.url), "utf8"));
    upstash = await startUpstashRest();
    postgrest = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: JWT_SECRET });
    const env = parseEnv(GatewayEnvSchema, {
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      RATE_LIMIT_REQUESTS: "15",
      RATE_LIMIT_WINDOW: "30 s",
      BODY_LIMIT_BYTES: "65536",
    });
    const db = createSupabaseDatabase({ url: postgrest.url, key: ANON_KEY });
    const app = createApp(createServices(env, db, { logger: silentLogger }));
    target = {
      request: async (path, init) => app.request(path, init),
      fixtures: new Fixtures(database.admin),
      rateLimitRequests: env.RATE_LIMIT_REQUESTS,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
    };
  }, 60_000);

  afterAll(async () => {
    await postgrest?.close();
    await upstash?.close();
    await database?.drop();
  });

  describeActivitiesContract("supabase-js + PostgREST", () => target);

  describeTimelineContract("supabase-js + PostgREST", () => target);
  describeActivityChangesContract("supabase-js + PostgREST", () => target);

  describe("what only the PostgREST path can get wrong", () => {
    test("the call reaches SQL as PostgREST makes it: anon role, the key in request.headers, the api schema first", async () => {
      const { fixtures } = target;
      const ws = await fixtures.workspace();
      const key = await fixtures.key(ws);
      const response = await target.request("/v1/activities", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "call" }),
      });
      expect(response.status).toBe(201);
      const locals = postgrest.stats.lastLocals!;
      expect(locals.role).toBe("anon");
      expect(locals.search_path).toBe('"api", "public", "extensions"');
      expect(locals.statement_timeout).toBe("3s");
      expect(JSON.parse(locals["request.jwt.claims"]!)).toMatchObject({ role: "anon", iss: "supabase" });
      const headers = JSON.parse(locals["request.headers"]!) as Record<string, string>;
      expect(headers["x-api-key"]).toBe(key);
      expect(headers.apikey).toBe(ANON_KEY);
      expect(headers.authorization).toBe(`Bearer ${ANON_KEY}`);
      expect(headers["content-profile"]).toBe("api");
      expect(locals["request.path"]).toBe("/rpc/create_activity");
    });

    test("the Idempotency-Key reaches SQL as PostgREST passes a header: request.headers, lower-cased name; absent when not sent", async () => {
      const { fixtures } = target;
      const key = await fixtures.key(await fixtures.workspace());
      const send = (headers: Record<string, string>) =>
        target.request("/v1/activities", {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
          body: JSON.stringify({ type: "call" }),
        });
      expect((await send({ "Idempotency-Key": "Order-42/A" })).status).toBe(201);
      expect((JSON.parse(postgrest.stats.lastLocals!["request.headers"]!) as Record<string, string>)["idempotency-key"]).toBe("Order-42/A");
      expect((await send({})).status).toBe(201);
      expect(JSON.parse(postgrest.stats.lastLocals!["request.headers"]!)).not.toHaveProperty("idempotency-key");
    });

    test("a wrong project key is a 500 for the caller (our misconfiguration), not a 401 about their key", async () => {
      const { fixtures } = target;
      const key = await fixtures.key(await fixtures.workspace());
      const env = parseEnv(GatewayEnvSchema, {});
      const badKey = signJwt({ role: "anon" }, "some-other-project-secret-of-enough-length");
      const app = createApp(createServices(env, createSupabaseDatabase({ url: postgrest.url, key: badKey }), { logger: silentLogger }));
      const response = await app.request("/v1/activities", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "call" }),
      });
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("internal_error");
    });

    test("PostgREST unreachable → 503 service_unavailable with Retry-After", async () => {
      const { fixtures } = target;
      const key = await fixtures.key(await fixtures.workspace());
      const env = parseEnv(GatewayEnvSchema, {});
      // A port nothing listens on: the stand-in's, after a throwaway server on it has closed.
      const gone = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret: JWT_SECRET });
      await gone.close();
      const app = createApp(createServices(env, createSupabaseDatabase({ url: gone.url, key: ANON_KEY }), { logger: silentLogger }));
      const response = await app.request("/v1/activities", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "call" }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("service_unavailable");
    });
  });
});

describe("PostgREST answers → database errors → API errors", () => {
  test.each([
    ["a PTnnn raised by the api functions", { code: "PT404", message: "contact_not_found", details: "No contact.", hint: "contact_id" }, 404, 404, "contact_not_found"],
    ["insufficient privilege (PostgREST says 401 for anon)", { code: "42501", message: "permission denied for function x", details: null, hint: null }, 401, 403, "insufficient_permissions"],
    ["a foreign key violation on our constraint", { code: "23503", message: 'violates foreign key constraint "activities_deal_fkey"', details: null, hint: null }, 409, 404, "deal_not_found"],
    ["a data exception", { code: "22P02", message: "invalid input syntax for type uuid", details: null, hint: null }, 400, 400, "invalid_field"],
    ["statement timeout", { code: "57014", message: "canceling statement due to statement timeout", details: null, hint: null }, 500, 503, "service_unavailable"],
    ["no answer at all (status 0)", { code: "", message: "TypeError: fetch failed", details: "", hint: "" }, 0, 503, "service_unavailable"],
    ["PostgREST without a database", { code: "PGRST001", message: "Database client error. Retrying the connection.", details: null, hint: null }, 503, 503, "service_unavailable"],
    ["a gateway timeout with an HTML body", { message: "<html>504</html>" }, 504, 503, "service_unavailable"],
    ["the schema not exposed", { code: "PGRST106", message: "The schema must be one of the following: public", details: null, hint: null }, 406, 500, "internal_error"],
    ["an unknown function", { code: "PGRST202", message: "Could not find the function", details: null, hint: null }, 404, 500, "internal_error"],
    ["an invalid project key", { message: "Invalid API key" }, 401, 500, "internal_error"],
  ])("%s", (_label, body, httpStatus, status, code) => {
    const error = fromPostgrest(body, httpStatus);
    const sqlState = (body as { code?: string }).code ?? "";
    if (/^[0-9A-Z]{5}$/.test(sqlState) && !sqlState.startsWith("PGRST")) expect(error).toBeInstanceOf(DatabaseError);
    if (status === 503 && !(error instanceof DatabaseError)) expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const apiError = toApiError(error);
    expect(apiError.status).toBe(status);
    expect(apiError.code).toBe(code);
  });
});
