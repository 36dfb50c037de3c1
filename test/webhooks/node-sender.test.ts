// The Node runner's sender (node:http): the address check sits in the connection's own DNS
// lookup, so a name that resolves to a private address is refused before any connection —
// whatever it resolved to when the endpoint was created (DNS rebinding).

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createNodeSender } from "../../functions/_node/webhook-sender.ts";
import { startWebhookSubscriber, type WebhookSubscriber } from "../support/webhook-subscriber.ts";

let subscriber: WebhookSubscriber;
beforeAll(async () => {
  subscriber = await startWebhookSubscriber({ secrets: [] });
});
afterAll(async () => {
  await subscriber?.close();
});

describe("node sender", () => {
  test("a name resolving to loopback is refused at connect time, outside insecure mode", async () => {
    const send = createNodeSender({ timeoutMs: 2000, maxResponseBytes: 100, allowInsecure: false, concurrency: 4, resolve: async () => ["127.0.0.1"] });
    const result = await send({ url: `https://rebind.example.com:${subscriber.port}/x`, headers: {}, body: "{}" });
    expect(result.error).toBe(
      "Refused: url's host rebind.example.com is not allowed or cannot be resolved: webhooks go to public addresses only (WEBHOOKS_ALLOW_INSECURE=1 allows it in development).",
    );
    expect(subscriber.received.length + subscriber.rejected.length).toBe(0);
    // A name that does not resolve reads the same: the recorded attempt tells nothing about DNS.
    const unresolvable = createNodeSender({ timeoutMs: 2000, maxResponseBytes: 100, allowInsecure: false, concurrency: 4, resolve: async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND rebind.example.com"), { code: "ENOTFOUND" });
    } });
    const unknown = await unresolvable({ url: `https://rebind.example.com:${subscriber.port}/x`, headers: {}, body: "{}" });
    expect(unknown.error).toBe(result.error);
    unresolvable.close();
    const literal = await send({ url: `https://127.0.0.1:${subscriber.port}/x`, headers: {}, body: "{}" });
    expect(literal.error).toMatch(/^Refused: .*non-public/);
    send.close();
  });

  test("insecure mode posts to 127.0.0.1; the status and connection errors are reported", async () => {
    const send = createNodeSender({ timeoutMs: 300, maxResponseBytes: 10, allowInsecure: true, concurrency: 4 });
    // The subscriber trusts no secret: it answers 400 to anything.
    const answered = await send({ url: subscriber.url, headers: { "webhook-id": "x" }, body: "{}" });
    expect(answered).toMatchObject({ statusCode: 400, error: "HTTP 400" });
    const down = await send({ url: "http://127.0.0.1:9/x", headers: {}, body: "{}" });
    expect(down.error).toMatch(/^Connection failed: ECONNREFUSED/);
    send.close();
  });
});
