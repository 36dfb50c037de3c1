// A real webhook subscriber for tests and the benchmark: a node:http server on 127.0.0.1 that
// verifies every request with the standardwebhooks package's Webhook class, as an integrator's
// code would, against the secrets it is told to trust. It can answer slowly, with any status,
// or go down and come back on the same port.

import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  webhookId: string;
  timestamp: number;
  signatures: string[];
  body: string;
  payload: { type: string; timestamp: string; data: { activity: Record<string, unknown> } };
  /** The trusted secrets whose signature the request carried. */
  verifiedWith: string[];
  /** Date.now() when the body was complete. */
  receivedAt: number;
}

export type Reply = number | { status: number; delayMs?: number; body?: string };

export interface WebhookSubscriber {
  readonly url: string;
  readonly port: number;
  /** Requests that verified with at least one trusted secret, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** Requests that did not verify (they are answered 400). */
  readonly rejected: Array<{ headers: IncomingMessage["headers"]; body: string }>;
  /** Secrets a request may be signed with. */
  secrets: string[];
  /** How to answer a verified request; 204 by default. */
  reply: (hit: ReceivedWebhook) => Reply;
  /** Goes down: closes the listener and every open connection. */
  stop(): Promise<void>;
  /** Comes back up on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookSubscriber(options: { secrets?: string[]; port?: number } = {}): Promise<WebhookSubscriber> {
  let server: Server | undefined;
  let port = options.port ?? 0;
  const pendingTimers = new Set<ReturnType<typeof setTimeout>>();

  const subscriber: WebhookSubscriber = {
    url: "",
    port: 0,
    received: [],
    rejected: [],
    secrets: options.secrets ?? [],
    reply: () => 204,
    async stop() {
      if (!server) return;
      const closing = server;
      server = undefined;
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
    async start() {
      if (server) return;
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers[name] = value;
          const verifiedWith = subscriber.secrets.filter((secret) => {
            try {
              new Webhook(secret).verify(body, headers);
              return true;
            } catch {
              return false;
            }
          });
          if (verifiedWith.length === 0) {
            subscriber.rejected.push({ headers: request.headers, body });
            response.writeHead(400).end("signature did not verify");
            return;
          }
          const hit: ReceivedWebhook = {
            webhookId: headers["webhook-id"]!,
            timestamp: Number(headers["webhook-timestamp"]),
            signatures: headers["webhook-signature"]!.split(" "),
            body,
            payload: JSON.parse(body) as ReceivedWebhook["payload"],
            verifiedWith,
            receivedAt: Date.now(),
          };
          subscriber.received.push(hit);
          const reply = subscriber.reply(hit);
          const { status, delayMs = 0, body: replyBody = "" } = typeof reply === "number" ? { status: reply } : reply;
          const send = () => {
            if (!response.destroyed) response.writeHead(status).end(replyBody);
          };
          if (delayMs > 0) {
            const timer = setTimeout(() => {
              pendingTimers.delete(timer);
              send();
            }, delayMs);
            pendingTimers.add(timer);
          } else {
            send();
          }
        });
      });
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, "127.0.0.1", () => resolve());
      });
      port = (server.address() as AddressInfo).port;
      Object.assign(subscriber, { port, url: `http://127.0.0.1:${port}/webhooks` });
    },
    async close() {
      await subscriber.stop();
    },
  };
  await subscriber.start();
  return subscriber;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (generous: no timing assertions). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
