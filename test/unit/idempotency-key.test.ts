// What the gateway decides about Idempotency-Key on its own, with the database replaced by a
// recorder (a real one would refuse a bad key too and hide a gateway that let it through): the
// header's rules on every operation that declares it, the key passed to the database call only
// there, the Idempotent-Replayed header when the database answers a replay, and the key placed
// where SQL reads it on the wire transports.

import { describe, expect, test } from "vitest";
import type { Database, RpcRequest } from "../../functions/_shared/db/database.ts";
import { DEFAULT_POSTGREST_SETTINGS, requestLocals } from "../../functions/_shared/db/postgrest-request.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { ACTIVITY_RESPONSE_EXAMPLE } from "../../functions/api-gateway/routes/activities/schema.ts";
import { createServices } from "../../functions/api-gateway/services.ts";
import { STUB_API_KEY, stubDatabaseApp } from "../support/stub-database-app.ts";

const ENDPOINT = "we_6b1f0f4e-3a59-4c55-9a53-2f0d1e7c9a11";
const DELIVERY = "del_6b1f0f4e-3a59-4c55-9a53-2f0d1e7c9a12";

const creating: Array<[string, string, unknown]> = [
  ["POST /v1/activities", "/v1/activities", { type: "call" }],
  ["POST /v1/webhook_endpoints", "/v1/webhook_endpoints", { url: "https://203.0.113.9/", events: ["*"] }],
  ["POST /v1/webhook_endpoints/{id}/rotate_secret", `/v1/webhook_endpoints/${ENDPOINT}/rotate_secret`, undefined],
];

function send(app: ReturnType<typeof stubDatabaseApp>, path: string, body: unknown, idempotencyKey?: string) {
  return app.request(path, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${STUB_API_KEY}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(idempotencyKey === undefined ? {} : { "Idempotency-Key": idempotencyKey }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("Idempotency-Key in the gateway", () => {
  test.each(creating.flatMap(([label, path, body]) =>
    [["empty", ""], ["256 characters", "k".repeat(256)], ["not ASCII", "clé"], ["a DEL character", "key\u007f"]].map(
      ([what, value]) => [label, what, path, body, value] as const,
    ),
  ))("%s with a key %s → 400 invalid_field on Idempotency-Key; the database is never called", async (_label, _what, path, body, value) => {
    const app = stubDatabaseApp({ WEBHOOKS_ALLOW_INSECURE: "1" });
    const response = await send(app, path, body, value);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: "invalid_field", param: "Idempotency-Key" });
    expect(app.calls).toEqual([]);
  });

  test.each(creating)("%s passes a valid key to the database call, and none when none was sent", async (_label, path, body) => {
    const app = stubDatabaseApp({ WEBHOOKS_ALLOW_INSECURE: "1" });
    const key = `A ~key/${"x".repeat(240)}`;
    expect((await send(app, path, body, key)).status).toBeLessThan(300);
    expect((await send(app, path, body)).status).toBeLessThan(300);
    expect(app.calls.map((call) => call.idempotencyKey)).toEqual([key, undefined]);
  });

  test("an operation that does not take the key ignores it (retry of a delivery; reads)", async () => {
    const app = stubDatabaseApp();
    await send(app, `/v1/webhook_endpoints/${ENDPOINT}/deliveries/${DELIVERY}/retry`, undefined, "k1");
    await app.request(`/v1/activities/${ACTIVITY_RESPONSE_EXAMPLE.data.activity.id}`, {
      headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Idempotency-Key": "k1" },
    });
    expect(app.calls.map((call) => [call.fn, call.idempotencyKey])).toEqual([
      ["retry_webhook_delivery", undefined],
      ["get_activity", undefined],
    ]);
  });

  test("a result the database marks as replayed → Idempotent-Replayed: true, the same status, body and Location", async () => {
    let replayed = false;
    const calls: RpcRequest[] = [];
    const db: Database = {
      async rpc(request) {
        calls.push(request);
        return { ...(replayed ? { idempotent_replayed: true } : {}), workspace_id: "d0c5e000-0000-4000-8000-000000000001", ...ACTIVITY_RESPONSE_EXAMPLE.data };
      },
      async close() {},
    };
    const app = createApp(createServices(parseEnv(GatewayEnvSchema, {}), db, { logger: silentLogger }));
    const post = () => app.request("/v1/activities", {
      method: "POST",
      headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Content-Type": "application/json", "Idempotency-Key": "k1" },
      body: JSON.stringify({ type: "call" }),
    });
    const first = await post();
    replayed = true;
    const again = await post();
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect([again.status, again.headers.get("location"), await again.text()]).toEqual([first.status, first.headers.get("location"), await first.text()]);
  });

  test("the wire transports put the key in request.headers as idempotency-key, beside x-api-key, only when there is one", () => {
    const headers = (request: Partial<RpcRequest>) =>
      JSON.parse(new Map(requestLocals(DEFAULT_POSTGREST_SETTINGS, { fn: "create_activity", args: {}, apiKey: "wbk_k", ...request })).get("request.headers")!);
    expect(headers({ idempotencyKey: "Order 42" })).toEqual({ "x-api-key": "wbk_k", "idempotency-key": "Order 42" });
    expect(headers({})).toEqual({ "x-api-key": "wbk_k" });
  });
});
