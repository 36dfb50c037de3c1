// The webhook-dispatcher function's fetch handler (what the Deno entry serves): it refuses a
// poke without the configured bearer secret, and one with it drains the outbox.

import * as v from "valibot";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ErrorBodySchema } from "../../functions/_shared/errors.ts";
import { type Logger, silentLogger } from "../../functions/_shared/log.ts";
import type { Dispatcher } from "../../functions/_shared/webhooks/dispatcher.ts";
import { createDispatcherApp } from "../../functions/webhook-dispatcher/app.ts";
import { startWebhookSubscriber, type WebhookSubscriber } from "../support/webhook-subscriber.ts";
import { client, openHarness, type WebhookHarness } from "./harness.ts";

let h: WebhookHarness;
let subscriber: WebhookSubscriber;
beforeAll(async () => {
  h = await openHarness("pglite");
  subscriber = await startWebhookSubscriber();
}, 60_000);
afterAll(async () => {
  await subscriber?.close();
  await h?.close();
});

test("bearer secret required (fail closed without one); an authorised poke delivers what is due", async () => {
  const ws = await h.fixtures.workspace();
  const api = client(h, await h.fixtures.key(ws, { scopes: ["activities:write", "webhooks:write"] }));
  const endpoint = (await api.post("/v1/webhook_endpoints", { url: subscriber.url, events: ["*"] })).body.data.webhook_endpoint;
  subscriber.secrets = [endpoint.secret];
  expect((await api.post("/v1/activities", { type: "note" })).status).toBe(201);

  const { dispatcher } = h.dispatcher();
  const unconfigured = createDispatcherApp({ dispatcher, secret: undefined, budgetMs: 5000, logger: silentLogger });
  expect((await unconfigured.request("/", { method: "POST", headers: { Authorization: "Bearer anything" } })).status).toBe(401);

  const app = createDispatcherApp({ dispatcher, secret: "s".repeat(32), budgetMs: 5000, logger: silentLogger });
  expect((await app.request("/", { method: "POST" })).status).toBe(401);
  expect((await app.request("/", { method: "POST", headers: { Authorization: `Bearer ${"s".repeat(31)}x` } })).status).toBe(401);
  expect(subscriber.received).toHaveLength(0);

  const response = await app.request("/webhook-dispatcher", { method: "POST", headers: { Authorization: `Bearer ${"s".repeat(32)}` } });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { claimed: 1, succeeded: 1, failed: 0, recorded: 1 } });
  expect(subscriber.received).toHaveLength(1);
  expect((await app.request("/", { method: "GET" })).status).toBe(405);
});

test("its errors are the API's: the error shape with the request id of X-Request-Id; a failing drain is a logged 500", async () => {
  const errors: unknown[] = [];
  const logger: Logger = { ...silentLogger, error: (_message, fields) => errors.push(fields) };
  const failing = { drain: async () => Promise.reject(new Error("database gone")) } as unknown as Dispatcher;
  const app = createDispatcherApp({ dispatcher: failing, secret: "s".repeat(32), budgetMs: 5000, logger });
  const expectError = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    const body = v.parse(ErrorBodySchema, await response.json());
    expect(body.error.code).toBe(code);
    expect(body.error.request_id).toBe(response.headers.get("x-request-id"));
    return body;
  };
  const refused = await app.request("/", { method: "POST" });
  await expectError(refused, 401, "invalid_key");
  expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer /);
  const wrongMethod = await app.request("/", { method: "GET" });
  await expectError(wrongMethod, 405, "method_not_allowed");
  expect(wrongMethod.headers.get("allow")).toBe("POST");
  const failed = await expectError(await app.request("/", { method: "POST", headers: { Authorization: `Bearer ${"s".repeat(32)}` } }), 500, "internal_error");
  expect(JSON.stringify(failed)).not.toContain("database gone");
  expect(errors).toEqual([expect.objectContaining({ request_id: failed.error.request_id })]);
});
