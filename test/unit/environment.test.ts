// Each function validates the parts of the environment it uses, and only those: the gateway
// the database, rate limit, body limit, logging and webhook URL rules; the dispatcher the
// database, logging and webhook delivery, never the gateway's rate or body limits; the Node
// runner both. Durations are one field kind.

import { describe, expect, test } from "vitest";
import { EnvError, GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { duration, parseDuration } from "../../functions/_shared/env-fields.ts";
import { NodeEnvSchema } from "../../functions/_node/node-env.ts";
import { DispatcherEnvSchema, dispatcherDatabaseUrl } from "../../functions/webhook-dispatcher/env.ts";
import * as v from "valibot";

/** The variables an environment is refused for, in the order named. */
function refused(schema: Parameters<typeof parseEnv>[0], raw: Record<string, string>): string[] {
  try {
    parseEnv(schema, raw);
    return [];
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    return [...error.message.matchAll(/^  - (\w+)/gm)].map((match) => match[1]!).sort();
  }
}

const GATEWAY_ONLY = { RATE_LIMIT_WINDOW: "soon", RATE_LIMIT_REQUESTS: "many", UPSTASH_REDIS_REST_URL: "not a url", BODY_LIMIT_BYTES: "big" };
const DELIVERY_ONLY = { WEBHOOK_TIMEOUT_MS: "slow", WEBHOOK_RETRY_SCHEDULE: "0,soon", WEBHOOK_DISABLE_AFTER: "never" };

describe("the parts each function validates", () => {
  test("the dispatcher does not read the gateway's rate limit, Upstash or body limit", () => {
    const env = parseEnv(DispatcherEnvSchema, { ...GATEWAY_ONLY, SUPABASE_DB_URL: "postgres://db/postgres" });
    expect(env).not.toHaveProperty("RATE_LIMIT_WINDOW");
    expect(env).not.toHaveProperty("BODY_LIMIT_BYTES");
    expect(dispatcherDatabaseUrl(env)).toBe("postgres://db/postgres");
    expect(refused(DispatcherEnvSchema, DELIVERY_ONLY)).toEqual(Object.keys(DELIVERY_ONLY).sort());
    expect(() => dispatcherDatabaseUrl(parseEnv(DispatcherEnvSchema, {}))).toThrow(EnvError);
  });

  test("the edge gateway does not read the delivery settings (it dispatches nothing)", () => {
    const env = parseEnv(GatewayEnvSchema, DELIVERY_ONLY);
    expect(env).not.toHaveProperty("WEBHOOK_TIMEOUT_MS");
    expect(refused(GatewayEnvSchema, GATEWAY_ONLY)).toEqual(Object.keys(GATEWAY_ONLY).sort());
  });

  test("the Node runner serves and dispatches: it reads both", () => {
    expect(refused(NodeEnvSchema, { ...GATEWAY_ONLY, ...DELIVERY_ONLY })).toEqual(Object.keys({ ...GATEWAY_ONLY, ...DELIVERY_ONLY }).sort());
    const env = parseEnv(NodeEnvSchema, { WEBHOOK_DISABLE_AFTER: "2h", RATE_LIMIT_WINDOW: "500ms" });
    expect([env.WEBHOOK_DISABLE_AFTER, env.RATE_LIMIT_WINDOW, env.WEBHOOK_RETRY_SCHEDULE[1]]).toEqual([7_200_000, 500, 5000]);
  });
});

describe("duration fields", () => {
  test.each([
    ["10 s", 10_000],
    ["500ms", 500],
    [" 1 m ", 60_000],
    ["2h", 7_200_000],
    ["5d", 432_000_000],
  ])("%j is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(v.parse(duration("1 s"), text)).toBe(ms);
  });

  test.each(["", "10", "ten seconds", "1.5 s", "-1 s", "0 s", "1 w"])("%j is refused", (text) => {
    expect(parseDuration(text)).toBeUndefined();
    expect(v.safeParse(duration("1 s"), text).issues?.[0]?.message).toMatch(/^must be a duration like/);
  });

  test('"0" only where the field allows it; unset is the fallback', () => {
    expect(parseDuration("0")).toBeUndefined();
    expect(parseDuration("0", { zero: true })).toBe(0);
    expect(v.parse(duration("5d", { zero: true }), "0")).toBe(0);
    expect(v.parse(duration("5d"), undefined)).toBe(432_000_000);
  });
});
