// The shared socket sender (what the edge dispatcher runs, here over node:net/node:tls): the
// address check at delivery time and the connection made to the very address checked — with a
// resolver that changes its answer between two lookups (DNS rebinding) — TLS verified for the
// URL's name, and the small HTTP/1.1 exchange against real servers, down to answers that come
// in pieces, interim 1xx answers, redirects, silence and nonsense.

import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Connect, type ConnectTarget, createSocketSender, type SocketSenderOptions } from "../../functions/_shared/webhooks/sender.ts";
import { nodeConnect } from "../support/node-connect.ts";

const TLS_DIR = new URL("../support/tls/", import.meta.url);
const CA = readFileSync(new URL("ca.pem", TLS_DIR), "utf8");
const SUBSCRIBER_TLS = { cert: readFileSync(new URL("subscriber.pem", TLS_DIR)), key: readFileSync(new URL("subscriber-key.pem", TLS_DIR)) };
/** Stands for a public address the resolver hands out; the test routes it to 127.0.0.1. */
const PUBLIC = "93.184.216.34";

interface Hit {
  server: "checked" | "rebound";
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  serverName: string | false | null;
  body: string;
}

const hits: Hit[] = [];
const servers: Array<HttpsServer | TcpServer> = [];
let port: number;

function subscriber(name: Hit["server"]): HttpsServer {
  return createHttpsServer(SUBSCRIBER_TLS, (request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      hits.push({ server: name, method: request.method!, path: request.url!, headers: request.headers, serverName: (request.socket as TLSSocket).servername, body });
      response.writeHead(204).end();
    });
  });
}

async function listen(server: HttpsServer | TcpServer, host: string, at = 0): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // The same port on two loopback addresses: where the checked address leads, and where a
  // second resolution would lead.
  port = await listen(subscriber("checked"), "127.0.0.1");
  await listen(subscriber("rebound"), "127.0.0.2", port);
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

/** A resolver whose first answer is `first` and every later one `later`, counting its calls. */
function rebindingResolver(first: string[], later: string[]) {
  const resolver = Object.assign(
    async (_host: string) => {
      resolver.calls++;
      return resolver.calls === 1 ? first : later;
    },
    { calls: 0 },
  );
  return resolver;
}

/** nodeConnect trusting the test CA, with PUBLIC routed to 127.0.0.1; records every target. */
function routedConnect(targets: ConnectTarget[]): Connect {
  const connect = nodeConnect({ ca: CA });
  return (target) => {
    targets.push(target);
    return connect({ ...target, host: target.host === PUBLIC ? "127.0.0.1" : target.host });
  };
}

function sender(options: Partial<SocketSenderOptions> & Pick<SocketSenderOptions, "connect">) {
  return createSocketSender({ timeoutMs: 2000, maxResponseBytes: 4096, allowInsecure: false, ...options });
}

describe("DNS rebinding: the connection goes to the address that was checked", () => {
  test("a name answering a public address, then a private one, is delivered to the public one, resolved once", async () => {
    hits.length = 0;
    const resolve = rebindingResolver([PUBLIC], ["127.0.0.2"]);
    const targets: ConnectTarget[] = [];
    const send = sender({ resolve, connect: routedConnect(targets) });
    const result = await send({ url: `https://subscriber.test:${port}/hook?x=1`, headers: { "webhook-id": "evt_1" }, body: '{"a":1}' });
    expect(result).toMatchObject({ statusCode: 204 });
    expect(result.error).toBeUndefined();
    expect(resolve.calls).toBe(1);
    expect(targets).toEqual([{ host: PUBLIC, port, tls: { serverName: "subscriber.test" } }]);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ server: "checked", method: "POST", path: "/hook?x=1", serverName: "subscriber.test", body: '{"a":1}' });
    expect(hits[0]!.headers).toMatchObject({ host: `subscriber.test:${port}`, "webhook-id": "evt_1", "content-type": "application/json", connection: "close" });
    // The next attempt resolves again, and now refuses: nothing reaches the rebound address.
    const second = await send({ url: `https://subscriber.test:${port}/hook`, headers: {}, body: "{}" });
    expect(second.error).toMatch(/^Refused: url's host subscriber.test is not allowed or cannot be resolved/);
    expect(second.error).not.toContain("127.0.0.2");
    expect(hits.filter((hit) => hit.server === "rebound")).toHaveLength(0);
  });

  test("one non-public address among the answers refuses the attempt without connecting", async () => {
    const targets: ConnectTarget[] = [];
    const send = sender({ resolve: async () => [PUBLIC, "169.254.169.254"], connect: routedConnect(targets) });
    const result = await send({ url: `https://subscriber.test:${port}/`, headers: {}, body: "{}" });
    expect(result).toEqual({ latencyMs: 0, error: expect.stringMatching(/^Refused: /) });
    expect(targets).toHaveLength(0);
  });

  test("literal non-public addresses, in any spelling, are refused without connecting", async () => {
    const targets: ConnectTarget[] = [];
    const send = sender({ resolve: async () => [PUBLIC], connect: routedConnect(targets) });
    for (const host of ["127.0.0.1", "0x7f.1", "[::ffff:0:7f00:1]", "[::ffff:169.254.169.254]", "localhost"]) {
      const result = await send({ url: `https://${host}:${port}/`, headers: {}, body: "{}" });
      expect(result.error, host).toMatch(/^Refused: url must not point at/);
    }
    expect(targets).toHaveLength(0);
  });

  test("without a resolver a name is refused (fail closed), outside insecure mode", async () => {
    const targets: ConnectTarget[] = [];
    const result = await sender({ connect: routedConnect(targets) })({ url: `https://subscriber.test:${port}/`, headers: {}, body: "{}" });
    expect(result.error).toMatch(/^Refused: no resolver/);
    expect(targets).toHaveLength(0);
  });

  test("an endpoint stored before the ASCII rule (an internationalised name) is still sent to, under its xn-- name", async () => {
    const targets: ConnectTarget[] = [];
    const asked: string[] = [];
    const send = sender({ resolve: async (host) => (asked.push(host), [PUBLIC]), connect: routedConnect(targets) });
    await send({ url: `https://b\u00fccher.example:${port}/`, headers: {}, body: "{}" });
    expect(asked).toEqual(["xn--bcher-kva.example"]);
    expect(targets).toEqual([{ host: PUBLIC, port, tls: { serverName: "xn--bcher-kva.example" } }]);
  });

  test("the certificate is verified for the URL's name: a subscriber whose certificate names another host fails", async () => {
    const send = sender({ resolve: async () => [PUBLIC], connect: routedConnect([]) });
    const result = await send({ url: `https://elsewhere.test:${port}/`, headers: {}, body: "{}" });
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/^Connection failed: .*(altnames|elsewhere\.test)/i);
  });

  test("insecure mode connects to the name as written (no checks to keep)", async () => {
    const targets: ConnectTarget[] = [];
    const raw = await rawServer(() => "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    const send = sender({ allowInsecure: true, connect: routedConnect(targets) });
    const result = await send({ url: `http://localhost:${raw}/x`, headers: {}, body: "{}" });
    expect(result.statusCode).toBe(200);
    expect(targets).toEqual([{ host: "localhost", port: raw, tls: undefined }]);
  });
});

/** A TCP server on 127.0.0.1 answering each connection with `answer`'s chunks (with pauses). */
async function rawServer(answer: (request: string) => string | string[] | null, requests: string[] = []): Promise<number> {
  const server = createTcpServer((socket: Socket) => {
    let request = "";
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      request += chunk.toString("latin1");
      if (answered || !request.includes("\r\n\r\n")) return;
      answered = true;
      requests.push(request);
      const chunks = answer(request);
      if (chunks === null) return; // silence
      const parts = typeof chunks === "string" ? [chunks] : chunks;
      parts.forEach((part, i) => setTimeout(() => socket.writable && socket.write(part), i * 20));
      setTimeout(() => socket.end(), parts.length * 20 + 20);
    });
    socket.on("error", () => {});
  });
  return listen(server, "127.0.0.1");
}

describe("the HTTP/1.1 exchange", () => {
  // Generous: only the test of silence waits for the timeout.
  const insecure = (timeoutMs = 10_000) => sender({ allowInsecure: true, connect: nodeConnect(), timeoutMs });

  test("the request: POST, path and query, Host with the port, the body's length, the caller's headers", async () => {
    const requests: string[] = [];
    const at = await rawServer(() => "HTTP/1.1 204 No Content\r\n\r\n", requests);
    const body = '{"title":"Café"}';
    await insecure()({ url: `http://127.0.0.1:${at}/p/a?q=1&r=%20`, headers: { "Webhook-Id": "evt_9", "webhook-signature": "v1,abc" }, body });
    const [head, sent] = requests[0]!.split("\r\n\r\n");
    const lines = head!.split("\r\n");
    expect(lines[0]).toBe("POST /p/a?q=1&r=%20 HTTP/1.1");
    expect(lines).toEqual(
      expect.arrayContaining([`host: 127.0.0.1:${at}`, "webhook-id: evt_9", "webhook-signature: v1,abc", `content-length: ${Buffer.byteLength(body)}`, "connection: close"]),
    );
    expect(Buffer.from(sent!, "latin1").toString("utf8")).toBe(body);
  });

  test("a header value with a line break is refused before anything is sent", async () => {
    const requests: string[] = [];
    const at = await rawServer(() => "HTTP/1.1 204 No Content\r\n\r\n", requests);
    const result = await insecure()({ url: `http://127.0.0.1:${at}/`, headers: { "x-evil": "a\r\nhost: other" }, body: "{}" });
    expect(result.error).toMatch(/^Refused: header "x-evil"/);
    expect(requests).toHaveLength(0);
  });

  test.each([
    ["interim 100 Continue, then 204", ["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n"], { statusCode: 204 }],
    ["a status line in pieces", ["HTT", "P/1.1 2", "01 Created\r\ncontent-length: 2\r\n", "\r\nok"], { statusCode: 201 }],
    ["a 302 is a failure, not followed", ["HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\n\r\n"], { statusCode: 302, error: "Redirects are not followed." }],
    ["a 500", ["HTTP/1.0 500 Internal Server Error\r\n\r\n"], { statusCode: 500, error: "HTTP 500" }],
    ["a 410", ["HTTP/1.1 410 Gone\r\n\r\n"], { statusCode: 410, error: "HTTP 410" }],
    ["no answer before closing", [""], { error: expect.stringMatching(/^Connection failed: the connection closed before a status line/) }],
    ["an answer that is not HTTP", ["SSH-2.0-OpenSSH_9.6\r\n"], { error: expect.stringMatching(/^Connection failed: the answer is not HTTP/) }],
  ])("%s", async (_name, chunks, expected) => {
    const at = await rawServer(() => chunks);
    expect(await insecure()({ url: `http://127.0.0.1:${at}/`, headers: {}, body: "{}" })).toMatchObject(expected);
  });

  test("a subscriber that never answers times out", async () => {
    const at = await rawServer(() => null);
    expect(await insecure(300)({ url: `http://127.0.0.1:${at}/`, headers: {}, body: "{}" })).toMatchObject({ error: "Timed out after 300 ms." });
  });

  test("a refused connection is reported as such", async () => {
    const result = await insecure()({ url: "http://127.0.0.1:9/", headers: {}, body: "{}" });
    expect(result.error).toMatch(/^Connection failed: .*ECONNREFUSED/);
  });

  test("headers beyond the read limit end the attempt", async () => {
    const at = await rawServer(() => ["HTTP/1.1 100 Continue\r\n", `x-filler: ${"a".repeat(40_000)}\r\n`]);
    const result = await insecure()({ url: `http://127.0.0.1:${at}/`, headers: {}, body: "{}" });
    expect(result.error).toMatch(/^Connection failed: no complete status/);
  });
});
