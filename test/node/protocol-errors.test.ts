// What Node's own HTTP parser refuses before the app sees a request — headers over the size
// limit, broken chunking, conflicting Content-Length — answered in the API's error shape with a
// request id (Node alone would send a bare status line), and logged like any other request.

import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ErrorBody } from "../../functions/_shared/errors.ts";
import { type NodeServer, startNodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const available = await serviceAvailable("postgres");

/** Sends `raw` as is and reads until the server closes: status, headers and body. */
function exchange(server: NodeServer, raw: string): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  const { hostname, port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()] as const));
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
    socket.write(raw);
  });
}

describe.skipIf(!available)("HTTP the parser refuses (Node server)", () => {
  let database: TestDatabase;
  let server: NodeServer;

  beforeAll(async () => {
    database = await createTestDatabase("protocol_errors");
    server = await startNodeServer({ DATABASE_URL: database.apiUrl, MIGRATE: "0", SEED_DEMO: "0", WEBHOOKS_DISPATCHER: "0" });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  test.each([
    ["headers over 16 KiB", 431, "request_headers_too_large", `GET /v1/activities HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(100 * 1024)}\r\n\r\n`],
    ["a malformed chunk size", 400, "invalid_request", "POST /v1/activities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"],
    ["two different Content-Lengths", 400, "invalid_request", "POST /v1/activities HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"],
  ] as const)("%s → %i %s in the API's shape, with X-Request-Id, logged", async (_label, status, code, raw) => {
    const response = await exchange(server, raw);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("connection")).toBe("close");
    const body = JSON.parse(response.body) as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(body.error.request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get("x-request-id")).toBe(body.error.request_id);
    await expect.poll(() => server.logs.find((line) => line.request_id === body.error.request_id)).toMatchObject({ level: "info", msg: "request", status, error_code: code });
  });
});
