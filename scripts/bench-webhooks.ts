// npm run bench:webhooks — webhook delivery throughput and lag on this machine.
//
// A fresh PostgreSQL database, the real Node runner (`npm start`'s program: API + dispatcher)
// as a child process, and a real subscriber on 127.0.0.1 that verifies every signature with
// standardwebhooks. Phase 1: BENCH_EVENTS activities are inserted in one transaction (10,000
// queued events) while the API takes BENCH_WRITE_RATE writes/s; it reports deliveries/s until
// every queued event has arrived, and the lag of the API's writes meanwhile. Phase 2: the API
// alone at BENCH_WRITE_RATE for BENCH_STEADY_SECONDS; lag from commit (the 201 response) to
// receipt, p50/p99. Every message must verify, and none may arrive twice.

import { serviceAvailable } from "../test/support/services.ts";
import { Fixtures } from "../test/support/fixtures.ts";
import { startNodeServer } from "../test/support/node-server.ts";
import { createTestDatabase } from "../test/support/test-database.ts";
import { startWebhookSubscriber, waitFor } from "../test/support/webhook-subscriber.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const WRITE_RATE = Number(process.env.BENCH_WRITE_RATE ?? 200);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(lags: number[]): string {
  const sorted = [...lags].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms (n=${sorted.length})`;
}

async function main(): Promise<void> {
  if (!(await serviceAvailable("postgres"))) throw new Error("PostgreSQL is needed (TEST_POSTGRES_URL).");
  const database = await createTestDatabase("bench_webhooks");
  await database.admin.query("select admin.allow_insecure_webhook_urls(true)"); // the subscriber is http://127.0.0.1
  const subscriber = await startWebhookSubscriber();
  const fixtures = new Fixtures(database.admin);
  const ws = await fixtures.workspace();
  const key = await fixtures.key(ws, { scopes: ["activities:write", "webhooks:write", "webhooks:read"] });
  const server = await startNodeServer({
    DATABASE_URL: database.apiUrl,
    MIGRATE: "0",
    SEED_DEMO: "0",
    LOG_LEVEL: "info", // startNodeServer waits for the "listening" line
    RATE_LIMIT_REQUESTS: "1000000",
    WEBHOOKS_ALLOW_INSECURE: "1",
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("WEBHOOK") || name === "DATABASE_POOL_MAX")),
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });

  const post = (path: string, body: unknown) =>
    fetch(new URL(path, server.baseUrl), {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  // Lag of the API's writes: from the 201 (the transaction has committed) to the receipt.
  const committedAt = new Map<string, number>();
  let writeErrors = 0;
  const lagsOf = (titlePrefix: string) =>
    subscriber.received
      .filter((hit) => String(hit.payload.data.activity.title).startsWith(titlePrefix))
      .map((hit) => hit.receivedAt - committedAt.get(String(hit.payload.data.activity.id))!);

  /** Writes through the API at `rate`/s until `until()` holds; returns how many. */
  async function writeAtRate(rate: number, titlePrefix: string, until: () => boolean): Promise<number> {
    const started = performance.now();
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    while (!until()) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due) {
        sent++;
        const request: Promise<void> = post("/v1/activities", { type: "call", title: `${titlePrefix} ${sent}` })
          .then(async (response) => {
            const now = Date.now();
            if (response.status !== 201) {
              writeErrors++;
              return;
            }
            const { data } = (await response.json()) as { data: { activity: { id: string } } };
            committedAt.set(data.activity.id, now);
          })
          .catch(() => {
            writeErrors++;
          })
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(inFlight);
    return sent;
  }

  try {
    const created = await post("/v1/webhook_endpoints", { url: subscriber.url, events: ["activity.created"] });
    if (created.status !== 201) throw new Error(`creating the endpoint failed: ${created.status} ${await created.text()}`);
    subscriber.secrets = [((await created.json()) as { data: { webhook_endpoint: { secret: string } } }).data.webhook_endpoint.secret];
    // Warm-up: connections, JIT, prepared statements.
    const warmStart = Date.now();
    const warmWrites = await writeAtRate(50, "warmup", () => Date.now() - warmStart > 3000);
    await waitFor("warm-up deliveries", () => subscriber.received.length >= warmWrites - writeErrors, 60_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message} (received ${subscriber.received.length}, rejected ${subscriber.rejected.length}, write errors ${writeErrors}); server output:\n${server.output().split("\n").filter((l) => !l.includes('"msg":"request"')).slice(-20).join("\n")}`);
    });

    // Phase 1: a backlog of EVENTS, queued in one transaction, drained while the API writes.
    const queuedBefore = subscriber.received.length;
    process.stderr.write(`queueing ${EVENTS} activities in one transaction…\n`);
    await database.admin.query(
      "insert into app.activities (workspace_id, type, title, created_by_user_id) select $1, 'note', 'queued ' || i, $2 from generate_series(1, $3) i",
      [ws.workspaceId, ws.userId, EVENTS],
    );
    const t0 = Date.now();
    const queuedArrived = () => subscriber.received.filter((hit) => String(hit.payload.data.activity.title).startsWith("queued")).length;
    let backlogDone = 0;
    const writes = writeAtRate(WRITE_RATE, "during", () => {
      if (queuedArrived() >= EVENTS) backlogDone ||= Date.now();
      return backlogDone !== 0 || Date.now() - t0 > 300_000;
    });
    const duringWrites = await writes;
    if (!backlogDone) throw new Error(`only ${queuedArrived()} of ${EVENTS} queued events arrived within 300 s`);
    const seconds = (backlogDone - t0) / 1000;
    await waitFor("deliveries of the writes made during the backlog", () => lagsOf("during").length >= duringWrites - writeErrors, 60_000);

    // Phase 2: steady state, the API alone.
    const steadyStart = Date.now();
    const steadyWrites = await writeAtRate(WRITE_RATE, "steady", () => Date.now() - steadyStart >= STEADY_SECONDS * 1000);
    await waitFor("steady-state deliveries", () => lagsOf("steady").length >= steadyWrites - writeErrors, 60_000);

    const ids = subscriber.received.map((hit) => hit.webhookId);
    const duplicates = ids.length - new Set(ids).size;
    const [stats] = await database.admin.query<{ failed_attempts: number; pending: number }>(
      `select (select count(*)::int from app.webhook_attempts where status_code is distinct from 204) as failed_attempts,
              (select count(*)::int from app.webhook_deliveries where status <> 'succeeded') as pending`,
    );
    const lines = [
      "",
      `webhook delivery benchmark (${EVENTS} queued events, API writes at ${WRITE_RATE}/s, WEBHOOK_CONCURRENCY=${process.env.WEBHOOK_CONCURRENCY ?? "64 (default)"})`,
      `  backlog:       ${EVENTS} events delivered in ${seconds.toFixed(2)} s → ${(EVENTS / seconds).toFixed(0)} deliveries/s` +
        ` (+${duringWrites} API writes meanwhile; ${((EVENTS + lagsOf("during").length) / seconds).toFixed(0)} deliveries/s counting those)`,
      `  lag of API writes during the backlog (commit → receipt): ${summary(lagsOf("during"))}`,
      `  steady state, API writes at ${WRITE_RATE}/s for ${STEADY_SECONDS} s (commit → receipt): ${summary(lagsOf("steady"))}`,
      `  checks: ${subscriber.received.length - queuedBefore + queuedBefore} verified messages, ${subscriber.rejected.length} rejected signatures, ` +
        `${duplicates} duplicates, ${stats!.failed_attempts} non-204 attempts, ${stats!.pending} deliveries not succeeded, ${writeErrors} failed API writes`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
    if (subscriber.rejected.length > 0 || duplicates > 0 || stats!.pending > 0) process.exitCode = 1;
  } finally {
    await server.stop();
    await subscriber.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:webhooks failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
