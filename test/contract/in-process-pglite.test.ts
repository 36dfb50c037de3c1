// The contract, in-process: createApp over the embedded PGlite database (the default of
// `npm start`) and the in-memory rate limiter, driven through app.request.

import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll } from "vitest";
import { createPgliteDatabase } from "../../functions/_shared/db/pglite.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { migrate } from "../../functions/_node/migrations.ts";
import { pgliteExecutor } from "../../functions/_node/sql-executor.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { createServices } from "../../functions/api-gateway/services.ts";
import { Fixtures } from "../support/fixtures.ts";
import { type ContractTarget, describeActivitiesContract } from "./activities.contract.ts";
import { describeActivityChangesContract } from "./activity-changes.contract.ts";

let target: ContractTarget;
let pg: PGlite;

beforeAll(async () => {
  pg = await PGlite.create();
  const admin = pgliteExecutor(pg);
  await migrate(admin);
  await admin.exec(await (await import("node:fs/promises")).readFile(new URL("../../supabase/seed.sql", import.meta.url), "utf8"));
  const env = parseEnv(GatewayEnvSchema, { RATE_LIMIT_REQUESTS: "15", RATE_LIMIT_WINDOW: "30 s", BODY_LIMIT_BYTES: "65536" });
  const app = createApp(createServices(env, createPgliteDatabase(pg), { logger: silentLogger }));
  target = {
    request: async (path, init) => app.request(path, init),
    fixtures: new Fixtures(admin),
    rateLimitRequests: env.RATE_LIMIT_REQUESTS,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
  };
}, 60_000);

afterAll(async () => {
  await pg?.close();
});

describeActivitiesContract("in-process, PGlite", () => target);

describeActivityChangesContract("in-process, PGlite", () => target);
