// The contract over real HTTP against the real Node entry (`npm start`'s program) in a child
// process, on real PostgreSQL (a database made for this run; the API connects as the NOINHERIT
// `authenticator` role) and real Redis behind the Upstash REST stand-in.

import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe } from "vitest";
import { Fixtures } from "../support/fixtures.ts";
import { type NodeServer, startNodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startUpstashRest, type UpstashRestServer } from "../support/upstash-rest.ts";
import { type ContractTarget, describeActivitiesContract } from "./activities.contract.ts";
import { describeTimelineContract } from "./timeline.contract.ts";
import { describeActivityChangesContract } from "./activity-changes.contract.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

let database: TestDatabase;
let upstash: UpstashRestServer;
let server: NodeServer;
let target: ContractTarget;

describe.skipIf(!available)("Node server on PostgreSQL + Upstash stand-in over Redis", () => {
  beforeAll(async () => {
    database = await createTestDatabase("contract_node");
    await database.admin.exec(await readFile(new URL("../../supabase/seed.sql", import.meta.url), "utf8"));
    upstash = await startUpstashRest();
    server = await startNodeServer({
      DATABASE_URL: database.apiUrl,
      MIGRATE: "0",
      SEED_DEMO: "0",
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      RATE_LIMIT_REQUESTS: "15",
      RATE_LIMIT_WINDOW: "30 s",
      BODY_LIMIT_BYTES: "65536",
    });
    target = {
      request: (path, init) => fetch(new URL(path, server.baseUrl), init),
      fixtures: new Fixtures(database.admin),
      rateLimitRequests: 15,
      bodyLimitBytes: 65536,
    };
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await upstash?.close();
    await database?.drop();
  });

  describeActivitiesContract("Node + PostgreSQL + Upstash", () => target);

  describeTimelineContract("Node + PostgreSQL + Upstash", () => target);
  describeActivityChangesContract("Node + PostgreSQL + Upstash", () => target);
});
