// `npm start`'s program delivers webhooks by itself: the real Node entry as a child process, on
// the embedded PGlite (the default) and on PostgreSQL. On PGlite the sweep timer is set far
// beyond the test's patience, so the delivery proves the LISTEN/notify wake-up; on PostgreSQL
// an activity written while the subscriber is down arrives once it is back (the retry comes
// from the sweep).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { startNodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { startWebhookSubscriber, waitFor } from "../support/webhook-subscriber.ts";

const DEMO_KEY = `wbk_${"5e".repeat(32)}`;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function deliversThroughTheRunner(env: Record<string, string>) {
  const subscriber = await startWebhookSubscriber();
  cleanups.push(() => subscriber.close());
  const server = await startNodeServer({
    DEMO_API_KEY: DEMO_KEY,
    WEBHOOKS_ALLOW_INSECURE: "1",
    WEBHOOK_RETRY_SCHEDULE: "0,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s",
    WEBHOOK_SWEEP_INTERVAL_MS: "600000",
    ...env,
  });
  cleanups.push(() => server.stop());
  const call = (method: string, path: string, body?: unknown) =>
    fetch(new URL(path, server.baseUrl), {
      method,
      headers: { Authorization: `Bearer ${DEMO_KEY}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const created = await call("POST", "/v1/webhook_endpoints", { url: subscriber.url, events: ["activity.created"] });
  expect(created.status).toBe(201);
  subscriber.secrets = [((await created.json()) as any).data.webhook_endpoint.secret];

  const first = (await (await call("POST", "/v1/activities", { type: "note", title: "first" })).json()) as any;
  await waitFor("the first delivery (woken by the notification)", () => subscriber.received.length === 1);
  expect(subscriber.received[0]!.payload.data.activity).toEqual(first.data.activity);
  return { subscriber, server, call };
}

describe("Node runner on the embedded database", () => {
  test("an activity posted to the API reaches the subscriber, signed", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "webhooks-runner-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await deliversThroughTheRunner({ DATA_DIR: dataDir });
  }, 180_000);
});

const postgresAvailable = await serviceAvailable("postgres");

describe.skipIf(!postgresAvailable)("Node runner on PostgreSQL", () => {
  test("delivers on notification; a delivery missed while the subscriber was down is retried", async () => {
    const database = await createTestDatabase("webhooks_runner");
    cleanups.push(() => database.drop());
    // On PostgreSQL the operator allows development URLs in the database itself.
    await database.admin.query("select admin.allow_insecure_webhook_urls(true)");
    const { subscriber, server } = await deliversThroughTheRunner({
      DATABASE_URL: database.apiUrl,
      MIGRATE: "0",
      SEED_DEMO: "1",
      DATABASE_ADMIN_URL: database.adminUrl,
      WEBHOOK_SWEEP_INTERVAL_MS: "200",
    });
    await subscriber.stop();
    const response = await fetch(new URL("/v1/activities", server.baseUrl), {
      method: "POST",
      headers: { Authorization: `Bearer ${DEMO_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "note", title: "while down" }),
    });
    expect(response.status).toBe(201);
    const [failed] = await database.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_attempts where error like 'Connection failed%'");
    await waitFor("a failed attempt", async () => {
      const [row] = await database.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_attempts where error like 'Connection failed%'");
      return row!.n > failed!.n;
    });
    await subscriber.start();
    await waitFor("the retried delivery", () => subscriber.received.some((hit) => hit.payload.data.activity.title === "while down"));
  }, 60_000);
});
