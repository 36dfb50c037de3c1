// The pg_cron sweep, for real: a private PostgreSQL with pg_cron preloaded (Debian's
// postgresql-15-cron), shaped like a Supabase database without pg_net, migrated with the Supabase
// CLI. What the migrations schedule depends on when pg_cron is enabled and on its version
// (second schedules need 1.5; Debian bookworm has 1.4, Supabase 1.6); then the sweep, run by
// pg_cron itself, delivers a retry that nothing else would have woken the dispatcher for.
//
// Where pg_net is missing the sweep's poke is a pg_notify, which the Node runner listens for — so
// the dispatcher here is the real Node entry with its own sweep timer set to an hour: a retry
// that arrives sooner was woken by pg_cron. (On Supabase the same poke is pg_net's HTTP request
// to the webhook-dispatcher function, whose handling test/webhooks covers.)

import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresExecutor, type SqlExecutor } from "../../functions/_node/sql-executor.ts";
import { startNodeServer } from "../support/node-server.ts";
import { skipUnlessPrerequisites } from "../support/prerequisites.ts";
import { postgresBinDir, type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres.ts";
import { migrationListRows, supabaseCli, withoutTls } from "../support/supabase-cli.ts";
import { shapeLikeSupabase } from "../support/supabase-shape.ts";
import { startWebhookSubscriber, waitFor } from "../support/webhook-subscriber.ts";

const SWEEP_COMMAND = "select app_private.sweep_webhook_deliveries()";
const PRUNE_COMMAND = "select app_private.prune_webhook_outbox(interval '30 days')";
const DEMO_KEY = `wbk_${"c7".repeat(32)}`;

function missingPrerequisite(): string | null {
  const bin = postgresBinDir();
  if (!bin) return "initdb/postgres are not installed (Debian package postgresql-15)";
  const pkglib = join(bin, "..", "lib");
  if (!existsSync(join(pkglib, "pg_cron.so"))) return `pg_cron is not installed in ${pkglib} (Debian package postgresql-15-cron)`;
  if (!existsSync(new URL("../../node_modules/.bin/supabase", import.meta.url))) return "the Supabase CLI is not installed (npm ci)";
  return null;
}

const skip = skipUnlessPrerequisites("the pg_cron tests", missingPrerequisite(), "apt-get install postgresql-15 postgresql-15-cron; npm ci");

describe.skipIf(skip)("the pg_cron sweep on a private PostgreSQL with pg_cron", () => {
  let server: PrivatePostgres;
  let admin: SqlExecutor;
  let cronVersion: number[];
  const cleanups: Array<() => Promise<unknown>> = [];

  const push = () => supabaseCli(["db", "push", "--db-url", withoutTls(server.url()), "--yes"], { timeoutMs: 120_000 });
  const jobs = () =>
    admin.query<{ jobid: number; jobname: string; schedule: string; command: string }>(
      "select jobid::int, jobname, schedule, command from cron.job order by jobname",
    );
  // Second schedules arrived in pg_cron 1.5.
  const secondsSchedules = () => cronVersion[0]! > 1 || (cronVersion[0] === 1 && cronVersion[1]! >= 5);

  beforeAll(async () => {
    server = await startPrivatePostgres({
      settings: { shared_preload_libraries: "pg_cron", "cron.database_name": "postgres", "cron.host": "127.0.0.1" },
    });
    admin = postgresExecutor(server.url(), { max: 2 });
    await shapeLikeSupabase(admin, { pgNet: false });
  }, 60_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await admin?.close();
    await server?.stop();
  });

  it("pg_cron enabled before migrating: the sweep migration schedules the jobs, or on pg_cron < 1.5 stops db push with pg_cron's own error", async () => {
    await admin.exec("create extension pg_cron");
    const [row] = await admin.query<{ version: string }>("select extversion as version from pg_extension where extname = 'pg_cron'");
    cronVersion = row!.version.split("-")[0]!.split(".").map(Number);

    const run = await push();
    if (secondsSchedules()) {
      expect(run.code, run.transcript).toBe(0);
      expect((await jobs()).map(({ jobname, schedule, command }) => ({ jobname, schedule, command }))).toEqual([
        { jobname: "webhook-dispatcher-sweep", schedule: "5 seconds", command: SWEEP_COMMAND },
        { jobname: "webhook-outbox-prune", schedule: "17 3 * * *", command: PRUNE_COMMAND },
      ]);
    } else {
      // The README's advice for such servers: enable pg_cron after migrating.
      expect(run.code, run.transcript).not.toBe(0);
      expect(run.stderr, run.transcript).toMatch(/invalid schedule: 5 seconds/);
      const list = await supabaseCli(["migration", "list", "--db-url", withoutTls(server.url())]);
      const applied = migrationListRows(list.stdout).filter(([, remote]) => remote !== "").map(([, remote]) => remote);
      expect(applied.at(-1), list.transcript).toBe("20261127110200");
    }
  }, 150_000);

  it("pg_cron enabled after migrating: admin.schedule_webhook_jobs() schedules both jobs, at the finest interval pg_cron accepts; again, nothing changes", async () => {
    await admin.exec("drop extension pg_cron");
    const run = await push();
    expect(run.code, run.transcript).toBe(0);
    await admin.exec("create extension pg_cron");
    expect(await jobs()).toEqual([]);

    const [first] = await admin.query<{ jobs: Array<{ job: string; schedule: string; command: string }> }>(
      "select admin.schedule_webhook_jobs() as jobs",
    );
    const sweepEvery = secondsSchedules() ? "5 seconds" : "* * * * *";
    expect(first!.jobs).toEqual([
      { job: "webhook-dispatcher-sweep", schedule: sweepEvery, command: SWEEP_COMMAND },
      { job: "webhook-outbox-prune", schedule: "17 3 * * *", command: PRUNE_COMMAND },
    ]);
    const scheduled = await jobs();
    await admin.query("select admin.schedule_webhook_jobs()");
    expect(await jobs()).toEqual(scheduled);
  }, 150_000);

  it("the sweep, run by pg_cron, wakes the dispatcher for a retry that has come due, and it is delivered", async () => {
    const subscriber = await startWebhookSubscriber();
    cleanups.push(() => subscriber.close());
    // The first attempt fails; its retry is due a second later, and only a poke makes the
    // dispatcher look again.
    subscriber.reply = () => (subscriber.received.length === 1 ? 500 : 204);
    // The subscriber is on loopback over http: allowed in the database as an operator allows it.
    await admin.query("select admin.allow_insecure_webhook_urls(true)");
    const dataDir = await mkdtemp(join(tmpdir(), "pg-cron-sweep-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const node = await startNodeServer({
      DATABASE_URL: server.url().replace("postgres@", "authenticator@"),
      DATABASE_ADMIN_URL: server.url(),
      MIGRATE: "0",
      SEED_DEMO: "1",
      DEMO_API_KEY: DEMO_KEY,
      DATA_DIR: dataDir,
      WEBHOOKS_ALLOW_INSECURE: "1",
      WEBHOOK_RETRY_SCHEDULE: "0,1s,1s",
      WEBHOOK_SWEEP_INTERVAL_MS: String(3_600_000),
    });
    cleanups.push(() => node.stop());
    const call = (path: string, body: unknown) =>
      fetch(new URL(path, node.baseUrl), {
        method: "POST",
        headers: { Authorization: `Bearer ${DEMO_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });

    const endpoint = await call("/v1/webhook_endpoints", { url: subscriber.url, events: ["activity.created"] });
    expect(endpoint.status).toBe(201);
    subscriber.secrets = [((await endpoint.json()) as { data: { webhook_endpoint: { secret: string } } }).data.webhook_endpoint.secret];
    expect((await call("/v1/activities", { type: "note", title: "swept" })).status).toBe(201);

    await waitFor("the first attempt (woken by the activity's pg_notify)", () => subscriber.received.length === 1);
    const firstAt = new Date(subscriber.received[0]!.receivedAt);
    // pg_cron 1.4 runs the sweep at the next full minute.
    await waitFor("the retry (woken by pg_cron's sweep)", () => subscriber.received.length === 2, 100_000);
    const [first, retry] = subscriber.received;
    expect(retry!.webhookId).toBe(first!.webhookId);
    expect(retry!.payload.data.activity.title).toBe("swept");

    const runs = await admin.query<{ status: string; start_time: Date }>(
      `select d.status, d.start_time from cron.job_run_details d join cron.job j on j.jobid = d.jobid
        where j.jobname = 'webhook-dispatcher-sweep' and d.start_time > $1 and d.start_time < $2`,
      [firstAt, new Date(retry!.receivedAt)],
    );
    expect(runs.map((run) => run.status), "pg_cron ran the sweep between the two attempts").toContain("succeeded");
  }, 150_000);
});
