// Several dispatchers over one outbox (PostgreSQL): claims are disjoint, so each attempt is
// sent once; a dispatcher that dies mid-delivery leaves a lease that runs out into a retry.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { WebhookEndpoint } from "../../functions/api-gateway/routes/webhook-endpoints/schema.ts";
import { serviceAvailable } from "../support/services.ts";
import { startWebhookSubscriber, waitFor, type WebhookSubscriber } from "../support/webhook-subscriber.ts";
import { client, openHarness, type WebhookHarness } from "./harness.ts";

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("dispatchers racing over one outbox (PostgreSQL)", () => {
  let h: WebhookHarness;
  let subscriber: WebhookSubscriber;

  beforeAll(async () => {
    h = await openHarness("postgres");
    subscriber = await startWebhookSubscriber();
  }, 60_000);

  afterAll(async () => {
    await subscriber?.close();
    await h?.close();
  });

  async function endpointWithActivities(count: number) {
    const ws = await h.fixtures.workspace();
    const api = client(h, await h.fixtures.key(ws, { scopes: ["activities:write", "webhooks:write", "webhooks:read"] }));
    const endpoint = (await api.post("/v1/webhook_endpoints", { url: subscriber.url, events: ["*"] })).body.data
      .webhook_endpoint as WebhookEndpoint;
    subscriber.secrets = [endpoint.secret!];
    // Queued straight into the table (as a bulk import would), in one statement: the trigger
    // fires per row.
    await h.admin.query(
      "insert into app.activities (workspace_id, type, title, created_by_user_id) select $1, 'note', 'n' || i, $2 from generate_series(1, $3) i",
      [ws.workspaceId, ws.userId, count],
    );
    return { ws, api, endpoint };
  }

  test("three dispatchers drain 300 deliveries: each sent exactly once, one attempt each", async () => {
    subscriber.received.length = 0;
    subscriber.reply = () => ({ status: 200, delayMs: Math.random() < 0.1 ? 20 : 0 });
    await endpointWithActivities(300);
    const dispatchers = [1, 2, 3].map(() => h.dispatcher({ batchSize: 7, concurrency: 8 }).dispatcher);
    const reports = await Promise.all(dispatchers.map((d) => d.drain()));
    expect(reports.reduce((sum, r) => sum + r.claimed, 0)).toBe(300);
    // Each dispatcher took part (they really raced)…
    for (const report of reports) expect(report.claimed).toBeGreaterThan(0);
    // …and no message was sent twice.
    const ids = subscriber.received.map((hit) => hit.webhookId);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    const [counts] = await h.admin.query<{ attempts: number; deliveries: number; succeeded: number }>(
      `select (select count(*)::int from app.webhook_attempts) as attempts,
              (select count(*)::int from app.webhook_deliveries) as deliveries,
              (select count(*)::int from app.webhook_deliveries where status = 'succeeded' and attempt_count = 1) as succeeded`,
    );
    expect(counts).toEqual({ attempts: 300, deliveries: 300, succeeded: 300 });
  });

  test("a dispatcher that dies after claiming: the lease runs out, another retries, the lost attempt is on record", async () => {
    subscriber.received.length = 0;
    subscriber.reply = () => 204;
    const { api, endpoint } = await endpointWithActivities(1);
    const { outbox: dying } = h.dispatcher();
    const claimed = await dying.claim(10, 300);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.attempt).toBe(1);

    // While the lease holds, nobody else takes it.
    const { dispatcher: survivor } = h.dispatcher();
    expect((await survivor.drain()).claimed).toBe(0);
    await waitFor("the retry after the lease", async () => (await survivor.drain()).succeeded === 1);
    expect(subscriber.received).toHaveLength(1);
    expect(subscriber.received[0]!.webhookId).toBe(`evt_${claimed[0]!.eventId}`);

    // The dead dispatcher's result, should it ever arrive, is not recorded over the retry's.
    const late = await dying.record(
      [{ deliveryId: claimed[0]!.deliveryId, leaseToken: claimed[0]!.leaseToken, attemptedAt: new Date(), statusCode: 500, latencyMs: 1, outcome: "retry", retryInMs: 0 }],
      60_000,
    );
    expect(late).toBe(0);
    const deliveries = (await api.get(`/v1/webhook_endpoints/${endpoint.id}/deliveries`)).body.data.deliveries;
    expect(deliveries[0]).toMatchObject({ status: "succeeded", attempt_count: 2 });
    expect(deliveries[0].attempts).toEqual([
      expect.objectContaining({ attempt: 1, status_code: null, error: expect.stringMatching(/^No result recorded/) }),
      expect.objectContaining({ attempt: 2, status_code: 204, error: null }),
    ]);
  });
});
