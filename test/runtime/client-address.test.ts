// Each runtime takes the client's address for the refused-key limit from where its platform
// puts it, and from nowhere a client can choose: plain Deno from the connection (a forged
// X-Forwarded-For changes nothing), Supabase Edge from the last X-Forwarded-For hop (the one the
// platform appended; a forged first hop changes nothing), workerd from CF-Connecting-IP. With
// RATE_LIMIT_REFUSED_KEYS=2, the third made-up key from one address is a 429; from another
// address it is the database's 401 again.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDenoServer } from "../support/deno-server.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startWorkerd } from "../support/workerd.ts";

const available = await serviceAvailable("postgres");
const LIMIT = { RATE_LIMIT_REFUSED_KEYS: "2", RATE_LIMIT_REFUSED_KEYS_WINDOW: "1h" };

type Send = (headers: Record<string, string>) => Promise<number>;

const made = () => `wbk_${randomBytes(32).toString("hex")}`;
const request = (headers: Record<string, string>) => ({
  method: "POST",
  headers: { Authorization: `Bearer ${made()}`, "Content-Type": "application/json", ...headers },
  body: '{"type":"call"}',
});

describe.skipIf(!available)("the client address each runtime limits refused keys by", () => {
  let database: TestDatabase;
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    database = await createTestDatabase("client_address");
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await database?.drop();
  });

  const deno = async (preload?: string): Promise<Send> => {
    const server: ServerProcess = await startDenoServer({ DATABASE_URL: database.apiUrl, ...LIMIT }, preload ? { preload } : {});
    stops.push(() => server.stop());
    return async (headers) => (await fetch(new URL("/v1/activities", server.baseUrl), request(headers))).status;
  };

  test("plain Deno: the connection's address; X-Forwarded-For is the client's to forge and is ignored", async () => {
    const send = await deno();
    expect(await send({ "X-Forwarded-For": "198.51.100.1" })).toBe(401);
    expect(await send({ "X-Forwarded-For": "198.51.100.2" })).toBe(401);
    expect(await send({ "X-Forwarded-For": "198.51.100.3" })).toBe(429);
  });

  test("Supabase Edge: the last X-Forwarded-For hop; a forged first hop changes nothing", async () => {
    const send = await deno("test/support/supabase-edge-runtime.ts");
    expect(await send({ "X-Forwarded-For": "198.51.100.1, 203.0.113.1" })).toBe(401);
    expect(await send({ "X-Forwarded-For": "198.51.100.2, 203.0.113.1" })).toBe(401);
    expect(await send({ "X-Forwarded-For": "198.51.100.3, 203.0.113.1" })).toBe(429);
    expect(await send({ "X-Forwarded-For": "198.51.100.3, 203.0.113.2" })).toBe(401);
  });

  test("workerd: CF-Connecting-IP (which Cloudflare sets on every request)", async () => {
    const miniflare = await startWorkerd({ bindings: LIMIT, hyperdrive: database.apiUrl });
    stops.push(() => miniflare.dispose());
    const send: Send = async (headers) => (await miniflare.dispatchFetch("http://localhost/v1/activities", request(headers))).status;
    expect(await send({ "CF-Connecting-IP": "203.0.113.1" })).toBe(401);
    expect(await send({ "CF-Connecting-IP": "203.0.113.1" })).toBe(401);
    expect(await send({ "CF-Connecting-IP": "203.0.113.1" })).toBe(429);
    expect(await send({ "CF-Connecting-IP": "203.0.113.2" })).toBe(401);
  });
});
