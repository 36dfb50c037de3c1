// The contract over real HTTP against the Supabase entry (functions/api-gateway/index.ts) run
// by the real deno binary, on both of its data paths: postgres.js with DATABASE_URL (as the
// NOINHERIT `authenticator` role), and supabase-js → PostgREST (the stand-in) with SUPABASE_URL
// and an anon key, which is how it runs on Supabase. Real PostgreSQL, real Redis behind the
// Upstash REST stand-in.

import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDenoServer } from "../support/deno-server.ts";
import { Fixtures } from "../support/fixtures.ts";
import { type PostgrestStandIn, signJwt, startPostgrestStandIn } from "../support/postgrest-stand-in.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startUpstashRest, type UpstashRestServer } from "../support/upstash-rest.ts";
import { type ContractTarget, describeActivitiesContract } from "./activities.contract.ts";
import { describeTimelineContract } from "./timeline.contract.ts";
import { describeActivityChangesContract } from "./activity-changes.contract.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

const LIMITS = { RATE_LIMIT_REQUESTS: "15", RATE_LIMIT_WINDOW: "30 s", BODY_LIMIT_BYTES: "65536" };

function denoTarget(
  name: string,
  prefix: string,
  expectedDataPath: RegExp,
  dataPathEnv: (database: TestDatabase) => Promise<Record<string, string>>,
) {
  describe.skipIf(!available)(name, () => {
    let database: TestDatabase;
    let upstash: UpstashRestServer;
    let server: ServerProcess;
    let target: ContractTarget;

    beforeAll(async () => {
      database = await createTestDatabase(prefix);
      await database.admin.exec(await readFile(new URL("../../supabase/seed.sql", import.meta.url), "utf8"));
      upstash = await startUpstashRest();
      server = await startDenoServer({
        ...(await dataPathEnv(database)),
        UPSTASH_REDIS_REST_URL: upstash.url,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        ...LIMITS,
      });
      target = {
        request: (path, init) => fetch(new URL(path, server.baseUrl), init),
        fixtures: new Fixtures(database.admin),
        rateLimitRequests: Number(LIMITS.RATE_LIMIT_REQUESTS),
        bodyLimitBytes: Number(LIMITS.BODY_LIMIT_BYTES),
      };
    }, 60_000);

    afterAll(async () => {
      await server?.stop();
      await upstash?.close();
      await database?.drop();
    });

    test("the entry chose the data path its environment asks for", () => {
      const listening = server.logs.find((line) => line.msg === "listening");
      expect(listening).toMatchObject({ runtime: "deno", rate_limit: "upstash" });
      expect(String(listening?.database)).toMatch(expectedDataPath);
    });

    describeActivitiesContract(name, () => target);

    describeTimelineContract(name, () => target);
    describeActivityChangesContract(name, () => target);

    test("SIGTERM stops it gracefully: exit code 0 after closing the database", async () => {
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(server.logs.map((line) => line.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
    });
  });
}

denoTarget("Deno + postgres.js (DATABASE_URL)", "contract_deno_pg", /^postgres\.js \(DATABASE_URL\)/, async (database) => ({ DATABASE_URL: database.apiUrl }));

let postgrest: PostgrestStandIn | undefined;
afterAll(async () => {
  await postgrest?.close();
});
denoTarget("Deno + supabase-js → PostgREST", "contract_deno_rest", /^supabase-js → PostgREST/, async (database) => {
  const jwtSecret = "deno-contract-jwt-secret-at-least-32-characters";
  postgrest = await startPostgrestStandIn({ databaseUrl: database.apiUrl, jwtSecret });
  return {
    SUPABASE_URL: postgrest.url,
    SUPABASE_ANON_KEY: signJwt({ iss: "supabase", role: "anon" }, jwtSecret),
    // Set on Supabase too; PostgREST must win over it.
    SUPABASE_DB_URL: "postgres://nobody@127.0.0.1:1/unused",
  };
});

describe.skipIf(!available)("Deno under a Supabase-like runtime (EdgeRuntime present)", () => {
  let database: TestDatabase;
  let upstash: UpstashRestServer;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase("deno_edge_runtime");
    upstash = await startUpstashRest();
    server = await startDenoServer(
      { DATABASE_URL: database.apiUrl, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token },
      { preload: "test/support/supabase-edge-runtime.ts" },
    );
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await upstash?.close();
    await database?.drop();
  });

  test("leaves the listener to the runtime and hands the rate limiter's pending work to EdgeRuntime.waitUntil", async () => {
    const fixtures = new Fixtures(database.admin);
    const key = await fixtures.key(await fixtures.workspace());
    // The start-up check of the database is handed over too; count what the request adds.
    const handedOver = () => server.logs.filter((line) => line.msg === "EdgeRuntime.waitUntil").length;
    await expect.poll(handedOver).toBe(1);
    const before = handedOver();
    const response = await fetch(new URL("/api-gateway/v1/activities", server.baseUrl), {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "call" }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toMatch(/^\/functions\/v1\/api-gateway\/v1\/activities\/act_/);
    expect(server.logs.find((line) => line.msg === "serving")).toMatchObject({ runtime: "supabase-edge" });
    await expect.poll(handedOver).toBeGreaterThan(before);
  });
});
