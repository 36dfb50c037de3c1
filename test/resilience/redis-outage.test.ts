// Redis outage (issue 12): a private redis-server (its own port and folder; the machine's Redis
// is never touched) behind the Upstash REST stand-in and the real Upstash client, under two Node
// servers on one database: one with the documented default (fail-open) and one with
// RATE_LIMIT_FAIL_CLOSED=1. Redis is stopped mid-run, later frozen (SIGSTOP: it accepts and never
// answers, so the limiter's timeout is what bounds a request), and brought back. Promises:
// fail-open requests proceed (201, never 5xx) and fail-closed ones get 503 service_unavailable
// with Retry-After; p99 latency stays under RATE_LIMIT_TIMEOUT_MS plus the normal p99; and the
// limit applies again once Redis is back.

import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createUpstashRateLimiter, createUpstashRedis } from "../../functions/_shared/ratelimit/upstash.ts";
import type { Workspace } from "../support/fixtures.ts";
import type { NodeServer } from "../support/node-server.ts";
import { skipUnlessPrerequisites } from "../support/prerequisites.ts";
import { type PrivateRedis, redisServerInstalled, startPrivateRedis } from "../support/private-redis.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { printFigures } from "./support/figures.ts";
import { quantile, round, runLoad } from "./support/load.ts";
import { SecretWatch } from "./support/secrets.ts";
import { type ApiClient, apiClient, upstashOver, type UpstashOnRedis, WatchedFixtures, watchedNodeServer } from "./support/stack.ts";

const LIMIT = 50;
const TIMEOUT_MS = 500;
const PHASE_REQUESTS = 800;
const CLIENTS = 16;

const postgres = await serviceAvailable("postgres");
const skip = !postgres || skipUnlessPrerequisites("the Redis outage suite", redisServerInstalled() ? null : "redis-server is not on the PATH", "apt-get install redis-server");

describe.skipIf(skip)("Redis outage under the Upstash limiter", () => {
  const watch = new SecretWatch();
  let database: TestDatabase;
  let fixtures: WatchedFixtures;
  let redis: PrivateRedis;
  let upstash: UpstashOnRedis;
  let open: NodeServer;
  let closed: NodeServer;
  let openApi: ApiClient;
  let closedApi: ApiClient;
  let ws: Workspace;
  let keys: string[];
  const figures: Record<string, unknown> = { limit: `${LIMIT} per 10 s per key`, rate_limit_timeout_ms: TIMEOUT_MS, clients: CLIENTS };

  beforeAll(async () => {
    database = await createTestDatabase("resilience_redis");
    fixtures = new WatchedFixtures(database.admin);
    fixtures.watchSecrets = watch;
    redis = await startPrivateRedis();
    upstash = await upstashOver(watch, redis.url);
    const env = {
      DATABASE_URL: database.apiUrl,
      ...upstash.env,
      RATE_LIMIT_REQUESTS: String(LIMIT),
      RATE_LIMIT_WINDOW: "10 s",
      RATE_LIMIT_TIMEOUT_MS: String(TIMEOUT_MS),
      RATE_LIMIT_REFUSED_KEYS: "1000",
      WEBHOOKS_DISPATCHER: "0",
    };
    open = await watchedNodeServer("the fail-open server", watch, env);
    closed = await watchedNodeServer("the fail-closed server", watch, { ...env, RATE_LIMIT_FAIL_CLOSED: "1" });
    openApi = apiClient(() => open.baseUrl, watch);
    closedApi = apiClient(() => closed.baseUrl, watch);
    ws = await fixtures.workspace();
    // Enough keys that the load of all phases stays under each key's limit.
    keys = await Promise.all(Array.from({ length: 100 }, () => fixtures.key(ws, { scopes: ["activities:write"] })));
  }, 120_000);

  afterAll(async () => {
    await open?.stop();
    await closed?.stop();
    await upstash?.upstash.close();
    await redis?.close();
    await database?.drop();
  });

  const post = (api: ApiClient, key: string) => api.call("POST", "/v1/activities", { key, body: { type: "call", description: watch.canary() } });
  let nextKey = 0;
  const phase = (api: ApiClient) =>
    runLoad({ total: PHASE_REQUESTS, clients: CLIENTS, send: () => post(api, keys[nextKey++ % keys.length]!) });
  /** LIMIT + 10 requests with one fresh key: how many were limited. */
  const burst = async (api: ApiClient) => {
    const key = await fixtures.key(ws, { scopes: ["activities:write"] });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 10; i++) statuses.push((await post(api, key)).status);
    return { created: statuses.filter((s) => s === 201).length, limited: statuses.filter((s) => s === 429).length, other: statuses.filter((s) => s !== 201 && s !== 429) };
  };
  /**
   * The burst was limited: at most one over LIMIT (a burst that straddles the edge of a window
   * meets the sliding window's estimate of the previous window, which Upstash rounds down) and
   * the rest 429, nothing else.
   */
  const expectLimited = (burstResult: Awaited<ReturnType<typeof burst>>) => {
    expect(burstResult.other).toEqual([]);
    expect(burstResult.created).toBeGreaterThanOrEqual(LIMIT);
    expect(burstResult.created).toBeLessThanOrEqual(LIMIT + 1);
    expect(burstResult.created + burstResult.limited).toBe(LIMIT + 10);
  };
  const p99 = (result: Awaited<ReturnType<typeof phase>>) => quantile(result.outcomes.map((o) => o.latencyMs), 0.99);
  let normalP99 = 0;

  test("with Redis up: every request 201, a key over its limit gets 429", async () => {
    const result = await phase(openApi);
    normalP99 = p99(result);
    const limited = await burst(openApi);
    Object.assign(figures, { normal: { requests: PHASE_REQUESTS, statuses: result.byStatus, p50_ms: round(quantile(result.outcomes.map((o) => o.latencyMs), 0.5)), p99_ms: round(normalP99) }, normal_burst: limited });
    expect(result.byStatus).toEqual({ 201: PHASE_REQUESTS });
    expectLimited(limited);
  });

  test("Redis stopped mid-run: fail-open requests proceed within the bound, fail-closed ones get 503", async () => {
    const running = phase(openApi);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.stop("SIGTERM");
    const stoppedAt = performance.now();
    const result = await running;
    const during = result.outcomes.filter((o) => o.doneAt > stoppedAt);
    const outage = await phase(openApi);
    const failClosed = await runLoad({ total: 100, clients: 8, send: () => post(closedApi, keys[nextKey++ % keys.length]!) });
    const closedAnswer = await post(closedApi, keys[0]!);
    const openBurst = await burst(openApi);
    Object.assign(figures, {
      stopped_mid_run: { requests: PHASE_REQUESTS, answered_after_stop: during.length, statuses: result.byStatus, p99_ms: round(p99(result)) },
      stopped: { requests: PHASE_REQUESTS, statuses: outage.byStatus, p99_ms: round(p99(outage)) },
      stopped_fail_closed: { requests: 100, statuses: failClosed.byStatus },
      stopped_burst_fail_open: openBurst,
      limiter_faults_logged: open.logs.filter((line) => line.msg === "rate limiter unavailable").length,
    });
    expect(result.byStatus).toEqual({ 201: PHASE_REQUESTS });
    expect(outage.byStatus).toEqual({ 201: PHASE_REQUESTS });
    expect(p99(outage)).toBeLessThan(TIMEOUT_MS + normalP99);
    expect(failClosed.byStatus).toEqual({ 503: 100 });
    expect(closedAnswer.json.error.code).toBe("service_unavailable");
    expect(closedAnswer.headers.get("retry-after")).toBe("1");
    // Fail-open means no limit while Redis is away (documented): the burst passes.
    expect(openBurst).toEqual({ created: LIMIT + 10, limited: 0, other: [] });
    expect(open.logs.some((line) => line.msg === "rate limiter unavailable" && line.level === "error")).toBe(true);
  });

  test("Redis back: the limit applies again, fail-closed serves again", async () => {
    const restarted = performance.now();
    const logsBefore = open.logs.length;
    await redis.start();
    let resumedMs = Number.NaN;
    for (let i = 0; i < 200; i++) {
      const answered = await post(closedApi, keys[nextKey++ % keys.length]!);
      if (answered.status === 201) {
        resumedMs = performance.now() - restarted;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await phase(openApi);
    const limited = await burst(openApi);
    const faults = open.logs.slice(logsBefore).filter((line) => line.msg === "rate limiter unavailable");
    Object.assign(figures, {
      back_first_201_fail_closed_ms: round(resumedMs),
      back: { statuses: after.byStatus, p99_ms: round(p99(after)) },
      back_burst: limited,
      back_limiter_faults: faults.length,
      back_last_fault: JSON.stringify(faults.at(-1) ?? null).slice(0, 600),
    });
    expect(resumedMs).toBeLessThan(10_000);
    expect(after.byStatus).toEqual({ 201: PHASE_REQUESTS });
    expectLimited(limited);
  });

  test("Redis frozen (accepts, never answers): requests wait at most the limiter's timeout", async () => {
    await redis.pause();
    try {
      const frozen = await runLoad({ total: 200, clients: CLIENTS, send: () => post(openApi, keys[nextKey++ % keys.length]!) });
      const failClosed = await runLoad({ total: 32, clients: CLIENTS, send: () => post(closedApi, keys[nextKey++ % keys.length]!) });
      Object.assign(figures, {
        frozen: { requests: 200, statuses: frozen.byStatus, p50_ms: round(quantile(frozen.outcomes.map((o) => o.latencyMs), 0.5)), p99_ms: round(p99(frozen)) },
        frozen_fail_closed: { requests: 32, statuses: failClosed.byStatus, p99_ms: round(p99(failClosed)) },
      });
      expect(frozen.byStatus).toEqual({ 201: 200 });
      expect(p99(frozen)).toBeLessThan(TIMEOUT_MS + normalP99);
      expect(failClosed.byStatus).toEqual({ 503: 32 });
      expect(p99(failClosed)).toBeLessThan(TIMEOUT_MS + normalP99);
    } finally {
      await redis.resume();
    }
    printFigures("redis outage", figures);
  });

  test("no API key, webhook secret or request body in any log record or error body", () => {
    printFigures("redis outage secrets", watch.counts);
    expect(watch.findings()).toEqual([]);
  });
});

describe("a limit check queued behind hung Redis calls", () => {
  // The limiter holds checks that arrive while 4 Redis calls are in flight and sends them when
  // one returns. With Redis hung, that return is the timeout of the call ahead: a queued check
  // must still give up RATE_LIMIT_TIMEOUT_MS after it was asked, not a timeout later.
  test("gives up within the timeout of its own call, not after the calls ahead of it", async () => {
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const { port } = blackHole.address() as { port: number };
    try {
      const timeoutMs = 300;
      const limiter = createUpstashRateLimiter({
        redis: createUpstashRedis({ url: `http://127.0.0.1:${port}`, token: "t" }),
        policy: { requests: 10, windowMs: 10_000 },
        timeoutMs,
      });
      const waited: number[] = [];
      const checks: Promise<void>[] = [];
      for (let i = 0; i < 8; i++) {
        const asked = performance.now();
        checks.push(limiter.limit(`id-${i}`).then(() => {}, () => void waited.push(performance.now() - asked)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all(checks);
      printFigures("queued limit checks, Redis hung", { timeout_ms: timeoutMs, waited_ms: waited.map((ms) => round(ms, 0)) });
      expect(waited).toHaveLength(8);
      expect(Math.max(...waited)).toBeLessThan(timeoutMs + 150);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });
});
