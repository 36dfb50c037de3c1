// Subscriber outage (issue 12): the Node server's webhook runner delivers activity.created to a
// local subscriber that first refuses connections, then accepts and answers too late (past
// WEBHOOK_TIMEOUT_MS), then recovers; activities are written before, during each phase and after.
// Promises: every event reaches the subscriber's deduplication (by webhook-id) exactly once —
// one webhook-id per activity, the same id and byte-identical body on every retry, nothing
// delivered again after a timely 2xx, nothing lost — and the attempts follow the README's
// schedule (immediately, then growing delays; shortened here by WEBHOOK_RETRY_SCHEDULE).

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Workspace } from "../support/fixtures.ts";
import type { NodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { type ReceivedWebhook, startWebhookSubscriber, waitFor, type WebhookSubscriber } from "../support/webhook-subscriber.ts";
import { printFigures } from "./support/figures.ts";
import { round } from "./support/load.ts";
import { SecretWatch } from "./support/secrets.ts";
import { type ApiClient, type Stack, startStack, subscribe, type WatchedFixtures } from "./support/stack.ts";

// The README's schedule is 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts, the
// first at once, then growing delays. The same shape, in seconds instead of hours:
const SCHEDULE_MS = [0, 500, 1000, 2000, 3000, 3000, 3000, 3000];
const TIMEOUT_MS = 500;
const SWEEP_MS = 100;
const PER_PHASE = 15;
const PHASE_MS = 2500;
/** How late an attempt may be, beyond its delay: the attempt before it, the sweep, recording it, a loaded machine. */
const LATENESS_MS = TIMEOUT_MS + SWEEP_MS + 2000;

const available = await serviceAvailable("postgres");

type Phase = "before" | "refusing" | "timing out" | "recovered";

describe.skipIf(!available)("subscriber outage: refuses, times out, recovers", () => {
  const watch = new SecretWatch();
  let database: TestDatabase;
  let fixtures: WatchedFixtures;
  let stack: Stack;
  let server: NodeServer;
  let subscriber: WebhookSubscriber;
  let api: ApiClient;
  let ws: Workspace;
  let key: string;
  let phase: Phase = "before";
  /** Each receipt with the phase it arrived in (the reply depends on it). */
  const receipts: Array<{ hit: ReceivedWebhook; phase: Phase }> = [];
  const written = new Map<string, Phase>();

  beforeAll(async () => {
    subscriber = await startWebhookSubscriber();
    subscriber.reply = (hit) => {
      receipts.push({ hit, phase });
      return phase === "timing out" ? { status: 204, delayMs: TIMEOUT_MS * 3 } : 204;
    };
    stack = await startStack({
      database: "resilience_subscriber",
      name: "the webhook server",
      watch,
      upstash: false,
      env: {
        WEBHOOKS_ALLOW_INSECURE: "1",
        WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => (ms === 0 ? "0" : `${ms}ms`)).join(","),
        WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
        WEBHOOK_SWEEP_INTERVAL_MS: String(SWEEP_MS),
      },
    });
    ({ database, fixtures, server, api } = stack);
    ws = await fixtures.workspace();
    key = await fixtures.key(ws, { scopes: ["activities:write", "webhooks:write"] });
    subscriber.secrets = [(await subscribe(api, key, subscriber.url, watch)).secret];
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await subscriber?.close();
  });

  async function write(count: number, spreadMs: number) {
    for (let i = 0; i < count; i++) {
      const answered = await api.call("POST", "/v1/activities", { key, body: { type: "note", title: `${phase} ${i}`, description: watch.canary() } });
      expect(answered.status).toBe(201);
      written.set(answered.json.data.activity.id, phase);
      await new Promise((resolve) => setTimeout(resolve, spreadMs / count));
    }
  }

  test("every event reaches the deduplication exactly once, whatever the subscriber did", async () => {
    await write(PER_PHASE, 500);
    await waitFor("the deliveries before the outage", () => receipts.length >= PER_PHASE);

    phase = "refusing";
    await subscriber.stop();
    await write(PER_PHASE, PHASE_MS);

    phase = "timing out";
    await subscriber.start();
    await write(PER_PHASE, PHASE_MS);

    phase = "recovered";
    const recovered = Date.now();
    await write(PER_PHASE, 500);

    // The subscriber's deduplication: the first receipt of each webhook-id is processed.
    const processed = () => new Set(receipts.map((r) => r.hit.webhookId));
    await waitFor("every event processed", () => processed().size >= written.size, 60_000);
    await waitFor("every delivery recorded as succeeded", async () => {
      const [row] = await database.admin.query<{ n: number }>("select count(*)::int as n from app.webhook_deliveries where status <> 'succeeded'");
      return row!.n === 0;
    }, 60_000);
    // A retry in flight would arrive within the longest delay: wait that long for any straggler.
    await new Promise((resolve) => setTimeout(resolve, Math.max(...SCHEDULE_MS) + TIMEOUT_MS));

    const byId = new Map<string, ReceivedWebhook[]>();
    for (const { hit } of receipts) byId.set(hit.webhookId, [...(byId.get(hit.webhookId) ?? []), hit]);
    const idsOfActivity = new Map<string, Set<string>>();
    for (const [id, hits] of byId) {
      const activity = hits[0]!.payload.data.activity.id as string;
      idsOfActivity.set(activity, new Set([...(idsOfActivity.get(activity) ?? []), id]));
    }
    const lost = [...written.keys()].filter((activity) => !idsOfActivity.has(activity));
    const twoIds = [...idsOfActivity].filter(([, ids]) => ids.size > 1).map(([activity]) => activity);
    const changedBody = [...byId].filter(([, hits]) => new Set(hits.map((h) => h.body)).size > 1).map(([id]) => id);
    // After a timely 2xx (any receipt while recovered, or before the outage), nothing more.
    const timely = new Set(["before", "recovered"]);
    const afterSuccess = [...byId.keys()].filter((id) => {
      const phases = receipts.filter((r) => r.hit.webhookId === id).map((r) => r.phase);
      const first = phases.findIndex((p) => timely.has(p));
      return first >= 0 && first < phases.length - 1;
    });
    const attempts = await database.admin.query<{ n: number; succeeded_at: number }>(
      "select count(*)::int as n from app.webhook_attempts group by delivery_id",
    );
    const lastReceipt = Math.max(...receipts.map((r) => r.hit.receivedAt));
    printFigures("subscriber outage", {
      events: written.size,
      by_phase: Object.fromEntries(["before", "refusing", "timing out", "recovered"].map((p) => [p, [...written.values()].filter((w) => w === p).length])),
      schedule_ms: SCHEDULE_MS,
      timeout_ms: TIMEOUT_MS,
      requests_received: receipts.length,
      processed_after_dedupe: byId.size,
      repeats_dropped_by_dedupe: receipts.length - byId.size,
      attempts: attempts.reduce((sum, row) => sum + row.n, 0),
      max_attempts_of_one_event: Math.max(...attempts.map((row) => row.n)),
      lost: lost.length,
      events_with_two_webhook_ids: twoIds.length,
      retries_with_another_body: changedBody.length,
      delivered_again_after_success: afterSuccess.length,
      all_delivered_after_recovery_s: round((lastReceipt - recovered) / 1000),
    });
    expect(subscriber.rejected).toEqual([]);
    expect(lost).toEqual([]);
    expect(twoIds).toEqual([]);
    expect(changedBody).toEqual([]);
    expect(afterSuccess).toEqual([]);
    expect(byId.size).toBe(written.size);
  }, 180_000);

  test("the attempts follow the configured schedule", async () => {
    const rows = await database.admin.query<{ delivery_id: string; attempt: number; at: number; status_code: number | null; error: string | null }>(
      "select delivery_id::text, attempt, extract(epoch from attempted_at) * 1000 as at, status_code, error from app.webhook_attempts order by delivery_id, attempt",
    );
    const byDelivery = new Map<string, typeof rows>();
    for (const row of rows) byDelivery.set(row.delivery_id, [...(byDelivery.get(row.delivery_id) ?? []), row]);
    const gaps: Array<{ attempt: number; expected: number; actual: number }> = [];
    const outcomes: Record<string, number> = {};
    for (const attempts of byDelivery.values()) {
      attempts.forEach((row, i) => {
        const outcome = row.status_code === null ? (row.error ?? "?").split(/[:(]/)[0]!.trim() : String(row.status_code);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        expect(row.attempt).toBe(i + 1);
        if (i > 0) gaps.push({ attempt: row.attempt, expected: SCHEDULE_MS[i]!, actual: Number(row.at) - Number(attempts[i - 1]!.at) });
      });
    }
    const early = gaps.filter((gap) => gap.actual < gap.expected - 5);
    const late = gaps.filter((gap) => gap.actual > gap.expected + LATENESS_MS);
    const byAttempt = Object.fromEntries(
      [...new Set(gaps.map((gap) => gap.attempt))].sort().map((attempt) => {
        const of = gaps.filter((gap) => gap.attempt === attempt).map((gap) => gap.actual);
        return [`attempt ${attempt}`, { after_ms: SCHEDULE_MS[attempt - 1], observed_ms: [Math.round(Math.min(...of)), Math.round(Math.max(...of))], count: of.length }];
      }),
    );
    printFigures("subscriber outage schedule", { retries: gaps.length, outcomes, early: early.length, late: late.length, by_attempt: byAttempt });
    expect(gaps.length).toBeGreaterThan(PER_PHASE);
    expect(early).toEqual([]);
    expect(late).toEqual([]);
  });

  test("no API key, webhook secret or request body in any log record or error body", () => {
    printFigures("subscriber outage secrets", watch.counts);
    expect(watch.findings()).toEqual([]);
  });
});
