// The contract, in-process: createApp over the embedded PGlite database (the default of
// `npm start`) and the in-memory rate limiter, driven through app.request.

import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPgliteDatabase } from "../../functions/_shared/db/pglite.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { migrate } from "../../functions/_node/migrations.ts";
import { pgliteExecutor } from "../../functions/_node/sql-executor.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { batchBodyLimit } from "../../functions/api-gateway/routes/activities/change-schema.ts";
import { createServices } from "../../functions/api-gateway/services.ts";
import { Fixtures } from "../support/fixtures.ts";
import { type ContractTarget, describeActivitiesContract } from "./activities.contract.ts";
import { describeTimelineContract } from "./timeline.contract.ts";
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

// PGlite runs one transaction at a time: no request can find another still running.
describeActivitiesContract("in-process, PGlite", () => target, { concurrentTransactions: false });
describeTimelineContract("in-process, PGlite", () => target);

describeActivityChangesContract("in-process, PGlite", () => target);

// Over HTTP a client still sending ~28 MB when the server answers may see a reset instead of the
// answer, so the batch route's own limit is checked here, where the body is handed over whole.
test("in-process, PGlite: a batch past its own body limit → 413 payload_too_large, nothing written", async () => {
  const { fixtures, bodyLimitBytes } = target;
  const key = await fixtures.key(await fixtures.workspace());
  const before = await fixtures.totalActivityCount();
  const limit = batchBodyLimit(bodyLimitBytes);
  const body = (size: number) => `{"activities":[{"type":"note"}]${" ".repeat(size - 32)}}`;
  const post = (text: string) =>
    target.request("/v1/activities/batch", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: text });
  expect(body(limit).length).toBe(limit);
  expect((await post(body(limit))).status).toBe(201);
  const refused = await post(body(limit + 1));
  expect(refused.status).toBe(413);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  expect(await fixtures.totalActivityCount()).toBe(before + 1);
});
