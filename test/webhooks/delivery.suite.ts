// End-to-end delivery behaviour, engine-agnostic: activities written through the API, the
// trigger's outbox, the shared dispatcher, and a real subscriber on 127.0.0.1 verifying every
// signature with standardwebhooks. Run by delivery-postgres.test.ts and delivery-pglite.test.ts.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Dispatcher } from "../../functions/_shared/webhooks/dispatcher.ts";
import type { Delivery, WebhookEndpoint } from "../../functions/api-gateway/routes/webhook-endpoints/schema.ts";
import type { Workspace } from "../support/fixtures.ts";
import { startWebhookSubscriber, waitFor, type WebhookSubscriber } from "../support/webhook-subscriber.ts";
import { client, type Engine, openHarness, type WebhookHarness } from "./harness.ts";

const ALL_SCOPES = ["activities:write", "activities:read", "webhooks:write", "webhooks:read"] as const;

/** `available`: false when the engine's service is absent (the caller has already warned). */
export function describeDelivery(engine: Engine, available = true): void {
  let h: WebhookHarness;
  let subscriber: WebhookSubscriber;

  describe.skipIf(!available)(`webhook delivery on ${engine}`, () => {
    beforeAll(async () => {
      h = await openHarness(engine);
      subscriber = await startWebhookSubscriber();
    }, 60_000);

    afterAll(async () => {
      await subscriber?.close();
      await h?.close();
    });

    // Whatever a test left behind — even one that failed halfway — the next starts from a
    // subscriber that is up, trusts nothing yet and answers 204, and an outbox with nothing due:
    // one failure must not cascade into the tests after it.
    afterEach(async () => {
      await subscriber.start();
      subscriber.received.length = 0;
      subscriber.rejected.length = 0;
      subscriber.secrets = [];
      subscriber.reply = () => 204;
      await h.admin.query("delete from app.webhook_deliveries where status = 'pending'");
    });

    /** A workspace, a key with every scope, and an endpoint at the subscriber trusted by it. */
    async function setup(events: string[] = ["activity.created"]) {
      const ws = await h.fixtures.workspace();
      const key = await h.fixtures.key(ws, { scopes: [...ALL_SCOPES] });
      const api = client(h, key);
      const created = await api.post("/v1/webhook_endpoints", { url: subscriber.url, events });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const endpoint = created.body.data.webhook_endpoint as WebhookEndpoint;
      subscriber.secrets = [endpoint.secret!];
      return { ws, key, api, endpoint };
    }

    async function createActivity(api: ReturnType<typeof client>, ws: Workspace, title = "Call") {
      const response = await api.post("/v1/activities", { type: "call", title, contact_id: ws.contactId });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.data.activity as Record<string, unknown>;
    }

    async function deliveries(api: ReturnType<typeof client>, endpoint: WebhookEndpoint): Promise<Delivery[]> {
      const response = await api.get(`/v1/webhook_endpoints/${endpoint.id}/deliveries?limit=100`);
      expect(response.status).toBe(200);
      return response.body.data.deliveries as Delivery[];
    }

    /** Drains until `condition` holds (retries become due as time passes). */
    async function drainUntil(dispatcher: Dispatcher, what: string, condition: () => boolean | Promise<boolean>) {
      await waitFor(what, async () => {
        await dispatcher.drain();
        return condition();
      });
    }

    const t = (name: string, body: () => Promise<void>) => test(`${engine}: ${name}`, body);

    t("the payload's metadata is the one sent: the doc's example in its order, integer-like keys and numbers as written", async () => {
      const { key } = await setup();
      const sent = ['{"duration_minutes": 32, "direction": "outbound"}', '{"2": "b", "1": [1.0, -0, 9007199254740991], "z": {"10": 1, "9": 2}}'];
      const kept = ['{"duration_minutes":32,"direction":"outbound"}', '{"2":"b","1":[1.0,-0,9007199254740991],"z":{"10":1,"9":2}}'];
      for (const metadata of sent) {
        const response = await h.request("/v1/activities", {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: `{"type": "call", "metadata": ${metadata}}`,
        });
        expect(response.status, await response.clone().text()).toBe(201);
      }
      const { dispatcher } = h.dispatcher();
      await drainUntil(dispatcher, "both deliveries", () => subscriber.received.length === 2);
      const bodies = subscriber.received.map((hit) => hit.body);
      for (const text of kept) expect(bodies.some((body) => body.includes(`"metadata" : ${text}`) || body.includes(`"metadata":${text}`)), text).toBe(true);
    });

    t("happy path: one signed activity.created per activity, body = the API's activity, recorded as one attempt", async () => {
      const { ws, api, endpoint } = await setup();
      const activity = await createActivity(api, ws);
      const { dispatcher } = h.dispatcher();
      const report = await dispatcher.drain();
      expect(report).toMatchObject({ claimed: 1, succeeded: 1, failed: 0, recorded: 1 });

      expect(subscriber.rejected).toEqual([]);
      expect(subscriber.received).toHaveLength(1);
      const hit = subscriber.received[0]!;
      expect(hit.webhookId).toMatch(/^evt_[0-9a-f-]{36}$/);
      expect(hit.signatures).toHaveLength(1);
      expect(hit.signatures[0]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(hit.timestamp - Date.now() / 1000)).toBeLessThan(300);
      expect(Object.keys(hit.payload)).toEqual(["type", "timestamp", "data"]);
      expect(hit.payload.type).toBe("activity.created");
      expect(hit.payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(hit.payload.data).toEqual({ activity });

      const [delivery] = await deliveries(api, endpoint);
      expect(delivery).toMatchObject({
        event_id: hit.webhookId,
        endpoint_id: endpoint.id,
        event_type: "activity.created",
        status: "succeeded",
        attempt_count: 1,
        next_attempt_date: null,
      });
      expect(delivery!.id).toMatch(/^del_/);
      expect(delivery!.attempts).toEqual([
        { attempt: 1, date: expect.stringMatching(/Z$/), status_code: 204, latency_ms: expect.any(Number), error: null },
      ]);
      // Nothing is left to send.
      expect((await dispatcher.drain()).claimed).toBe(0);
    });

    t("events: ['*'] subscribes to activity.created; a workspace without endpoints queues nothing", async () => {
      const { ws, api } = await setup(["*"]);
      await createActivity(api, ws);
      const other = await h.fixtures.workspace();
      const otherApi = client(h, await h.fixtures.key(other, { scopes: [...ALL_SCOPES] }));
      await createActivity(otherApi, other);
      const { dispatcher } = h.dispatcher();
      await dispatcher.drain();
      expect(subscriber.received).toHaveLength(1);
      const [row] = await h.admin.query<{ n: number }>(
        "select count(*)::int as n from app.webhook_events where workspace_id = $1",
        [other.workspaceId],
      );
      expect(row!.n).toBe(0);
    });

    t("a rolled-back write and a refused write queue nothing", async () => {
      const { ws, api } = await setup();
      const before = await h.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_events");
      await expect(
        h.admin.transaction(async (tx) => {
          await tx.query("insert into app.activities (workspace_id, type, created_by_user_id) values ($1, 'note', $2)", [ws.workspaceId, ws.userId]);
          const [inside] = await tx.query<{ n: number }>("select count(*)::int as n from app.webhook_deliveries where workspace_id = $1", [ws.workspaceId]);
          expect(inside!.n).toBe(1); // queued inside the transaction…
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      const refused = await api.post("/v1/activities", { type: "call", contact_id: "00000000-0000-4000-8000-000000000000" });
      expect(refused.status).toBe(404);
      const after = await h.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_events");
      expect(after[0]!.n).toBe(before[0]!.n); // …and gone with it
      const { dispatcher } = h.dispatcher();
      expect((await dispatcher.drain()).claimed).toBe(0);
      expect(subscriber.received).toEqual([]);
    });

    t("subscriber down, then back up: every event arrives, same webhook-id, failures in the attempts", async () => {
      const { ws, api, endpoint } = await setup();
      await subscriber.stop();
      const activities = [];
      for (let i = 0; i < 3; i++) activities.push(await createActivity(api, ws, `down ${i}`));
      const { dispatcher } = h.dispatcher({ retryScheduleMs: [0, 100, 100, 100, 100, 100, 100, 100, 100, 100] });
      await drainUntil(dispatcher, "a failed attempt per delivery", async () =>
        (await deliveries(api, endpoint)).every((d) => d.attempts.length >= 2),
      );
      await subscriber.start();
      await drainUntil(dispatcher, "every delivery succeeded", async () =>
        (await deliveries(api, endpoint)).every((d) => d.status === "succeeded"),
      );
      const list = await deliveries(api, endpoint);
      expect(list).toHaveLength(3);
      expect(new Set(subscriber.received.map((hit) => hit.webhookId))).toEqual(new Set(list.map((d) => d.event_id)));
      expect(subscriber.received.map((hit) => hit.payload.data.activity.id).sort()).toEqual(activities.map((a) => a.id).sort());
      for (const delivery of list) {
        const failures = delivery.attempts.slice(0, -1);
        expect(failures.length).toBeGreaterThanOrEqual(2);
        for (const failure of failures) {
          expect(failure.status_code).toBeNull();
          expect(failure.error).toMatch(/^Connection failed/);
        }
        expect(delivery.attempts.at(-1)).toMatchObject({ status_code: 204, error: null });
        expect(delivery.attempts.map((a) => a.attempt)).toEqual(delivery.attempts.map((_, i) => i + 1));
      }
    });

    t("subscriber slower than the timeout: the attempt fails as a timeout and is retried", async () => {
      const { ws, api, endpoint } = await setup();
      let calls = 0;
      subscriber.reply = () => (++calls === 1 ? { status: 200, delayMs: 3_000 } : 200);
      await createActivity(api, ws);
      const { dispatcher } = h.dispatcher({ timeoutMs: 300 });
      await drainUntil(dispatcher, "the delivery succeeded", async () => (await deliveries(api, endpoint))[0]!.status === "succeeded");
      const [delivery] = await deliveries(api, endpoint);
      expect(delivery!.attempts[0]).toMatchObject({ attempt: 1, status_code: null, error: "Timed out after 300 ms." });
      expect(delivery!.attempts.at(-1)).toMatchObject({ status_code: 200, error: null });
      // At least once: the subscriber saw the same message twice, under one webhook-id.
      expect(new Set(subscriber.received.map((hit) => hit.webhookId)).size).toBe(1);
    });

    t("a non-2xx answer is retried until the schedule ends, then the delivery is failed and visible", async () => {
      const { ws, api, endpoint } = await setup();
      subscriber.reply = () => ({ status: 500, body: "x".repeat(100_000) });
      await createActivity(api, ws);
      const { dispatcher } = h.dispatcher({ retryScheduleMs: [0, 20, 20] });
      await drainUntil(dispatcher, "the delivery failed", async () => (await deliveries(api, endpoint))[0]!.status === "failed");
      const [delivery] = await deliveries(api, endpoint);
      expect(delivery!.attempts.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, 500, "HTTP 500"],
        [2, 500, "HTTP 500"],
        [3, 500, "HTTP 500"],
      ]);
      expect(delivery!.next_attempt_date).toBeNull();

      // Manual retry: one more attempt, which now succeeds.
      subscriber.reply = () => 200;
      const retried = await api.post(`/v1/webhook_endpoints/${endpoint.id}/deliveries/${delivery!.id}/retry`);
      expect(retried.status).toBe(202);
      expect(retried.body.data.delivery).toMatchObject({ id: delivery!.id, status: "pending" });
      await drainUntil(dispatcher, "the retried delivery succeeded", async () => (await deliveries(api, endpoint))[0]!.status === "succeeded");
      expect((await deliveries(api, endpoint))[0]!.attempts).toHaveLength(4);
    });

    t("410 Gone disables the endpoint at once; new activities queue nothing for it; enabling resumes", async () => {
      const { ws, api, endpoint } = await setup();
      subscriber.reply = () => 410;
      await createActivity(api, ws);
      const { dispatcher } = h.dispatcher();
      await dispatcher.drain();
      const got = await api.get(`/v1/webhook_endpoints/${endpoint.id}`);
      expect(got.body.data.webhook_endpoint).toMatchObject({ enabled: false, disabled_reason: "gone" });
      const [delivery] = await deliveries(api, endpoint);
      expect(delivery).toMatchObject({ status: "failed", attempt_count: 1 });
      expect(delivery!.attempts[0]).toMatchObject({ status_code: 410 });

      await createActivity(api, ws);
      expect(await deliveries(api, endpoint)).toHaveLength(1);
      const retry = await api.post(`/v1/webhook_endpoints/${endpoint.id}/deliveries/${delivery!.id}/retry`);
      expect(retry.status).toBe(409);
      expect(retry.body.error.code).toBe("webhook_endpoint_disabled");

      subscriber.reply = () => 204;
      const enabled = await api.patch(`/v1/webhook_endpoints/${endpoint.id}`, { enabled: true });
      expect(enabled.body.data.webhook_endpoint).toMatchObject({ enabled: true, disabled_reason: null });
      await createActivity(api, ws);
      await dispatcher.drain();
      expect(subscriber.received).toHaveLength(2);
    });

    t("an endpoint failing without a success for the disable period is disabled and says so", async () => {
      const { ws, api, endpoint } = await setup();
      subscriber.reply = () => 503;
      await createActivity(api, ws);
      const { dispatcher } = h.dispatcher({ retryScheduleMs: Array(50).fill(50), disableAfterMs: 400 });
      await drainUntil(dispatcher, "the endpoint disabled", async () => {
        const got = await api.get(`/v1/webhook_endpoints/${endpoint.id}`);
        return got.body.data.webhook_endpoint.enabled === false;
      });
      const got = await api.get(`/v1/webhook_endpoints/${endpoint.id}`);
      expect(got.body.data.webhook_endpoint.disabled_reason).toBe("failing");
      // Its delivery is parked, not failed: enabling the endpoint resumes it.
      const [delivery] = await deliveries(api, endpoint);
      expect(delivery).toMatchObject({ status: "pending", next_attempt_date: null });
      expect((await dispatcher.drain()).claimed).toBe(0);
      subscriber.reply = () => 204;
      await api.patch(`/v1/webhook_endpoints/${endpoint.id}`, { enabled: true });
      await drainUntil(dispatcher, "the parked delivery succeeded", async () => (await deliveries(api, endpoint))[0]!.status === "succeeded");
    });

    t("secret rotation: both secrets sign for the window, then only the new one", async () => {
      const { ws, api, endpoint } = await setup();
      const oldSecret = endpoint.secret!;
      const rotated = await api.post(`/v1/webhook_endpoints/${endpoint.id}/rotate_secret`);
      expect(rotated.status).toBe(200);
      const newSecret = rotated.body.data.webhook_endpoint.secret as string;
      expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(newSecret).not.toBe(oldSecret);
      const { dispatcher } = h.dispatcher();

      // A subscriber still on the old secret accepts; one already on the new secret accepts.
      subscriber.secrets = [oldSecret];
      await createActivity(api, ws);
      await dispatcher.drain();
      subscriber.secrets = [newSecret];
      await createActivity(api, ws);
      await dispatcher.drain();
      expect(subscriber.rejected).toEqual([]);
      expect(subscriber.received.map((hit) => hit.verifiedWith)).toEqual([[oldSecret], [newSecret]]);
      expect(subscriber.received.map((hit) => hit.signatures.length)).toEqual([2, 2]);

      // After the window (simulated), the old secret no longer signs.
      await h.admin.query("update app.webhook_secrets set expires_at = now() - interval '1 second' where secret = $1", [oldSecret]);
      subscriber.secrets = [oldSecret];
      subscriber.reply = () => 204;
      await createActivity(api, ws);
      const { dispatcher: single } = h.dispatcher({ retryScheduleMs: [0] });
      await single.drain();
      expect(subscriber.rejected).toHaveLength(1);
      expect(String(subscriber.rejected[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    });

    t("cross-workspace isolation of endpoints, events and deliveries", async () => {
      const a = await setup();
      const b = await setup();
      subscriber.secrets = [a.endpoint.secret!, b.endpoint.secret!];
      await createActivity(a.api, a.ws, "for A");
      const { dispatcher } = h.dispatcher();
      await dispatcher.drain();
      expect(subscriber.received.map((hit) => hit.payload.data.activity.title)).toEqual(["for A"]);

      const [aDelivery] = await deliveries(a.api, a.endpoint);
      expect(await deliveries(b.api, b.endpoint)).toEqual([]);
      for (const path of [
        `/v1/webhook_endpoints/${a.endpoint.id}`,
        `/v1/webhook_endpoints/${a.endpoint.id}/deliveries`,
      ]) {
        const response = await b.api.get(path);
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe("webhook_endpoint_not_found");
      }
      expect((await b.api.patch(`/v1/webhook_endpoints/${a.endpoint.id}`, { enabled: false })).status).toBe(404);
      expect((await b.api.post(`/v1/webhook_endpoints/${a.endpoint.id}/rotate_secret`)).status).toBe(404);
      expect((await b.api.post(`/v1/webhook_endpoints/${a.endpoint.id}/deliveries/${aDelivery!.id}/retry`)).status).toBe(404);
      expect((await b.api.post(`/v1/webhook_endpoints/${b.endpoint.id}/deliveries/${aDelivery!.id}/retry`)).status).toBe(404);
      expect((await b.api.delete(`/v1/webhook_endpoints/${a.endpoint.id}`)).status).toBe(404);
      const list = await b.api.get("/v1/webhook_endpoints");
      expect(list.body.data.webhook_endpoints.map((e: WebhookEndpoint) => e.id)).toEqual([b.endpoint.id]);
      expect((await a.api.get(`/v1/webhook_endpoints/${a.endpoint.id}`)).body.data.webhook_endpoint.enabled).toBe(true);
    });
  });
}
