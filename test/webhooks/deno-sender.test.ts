// DNS rebinding on the edge dispatcher, in the real Deno runtime: the dispatcher's sockets
// (Deno.connect to the checked address, Deno.startTls verified for the URL's name) under the
// shared sender, fed a resolver whose answer turns private after the first lookup. The delivery
// reaches the address that was checked — with SNI and Host naming the URL's host — and the
// rebound address never sees a request (deno-sender-probe.ts runs the cases).

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DENO_BIN, denoEnv } from "../support/deno-server.ts";
import { ROOT } from "../support/server-process.ts";

const TLS_DIR = new URL("../support/tls/", import.meta.url);
const hits: Array<{ server: string; path: string; host?: string; serverName?: string | false | null; body: string }> = [];
const servers: Array<Server | ReturnType<typeof createHttpServer>> = [];

function recorder(name: string) {
  return (request: import("node:http").IncomingMessage, response: import("node:http").ServerResponse) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const socket = request.socket as TLSSocket;
      hits.push({ server: name, path: request.url!, host: request.headers.host, serverName: socket.encrypted ? socket.servername : undefined, body });
      response.writeHead(204).end();
    });
  };
}

async function listen(server: Server | ReturnType<typeof createHttpServer>, host: string, port = 0): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

let tlsPort: number;
let httpPort: number;
beforeAll(async () => {
  const tls = { cert: readFileSync(new URL("subscriber.pem", TLS_DIR)), key: readFileSync(new URL("subscriber-key.pem", TLS_DIR)) };
  tlsPort = await listen(createHttpsServer(tls, recorder("checked")), "127.0.0.1");
  await listen(createHttpsServer(tls, recorder("rebound")), "127.0.0.2", tlsPort);
  httpPort = await listen(createHttpServer(recorder("development")), "127.0.0.1");
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

function runProbe(): Promise<Array<{ name: string; result: Record<string, unknown>; lookups: number; targets: unknown[] }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      DENO_BIN,
      ["run", "--config", "functions/webhook-dispatcher/deno.json", "--node-modules-dir=manual", "--allow-net", "test/webhooks/deno-sender-probe.ts", JSON.stringify({ tlsPort, httpPort })],
      { cwd: ROOT, env: { ...denoEnv(), DENO_CERT: fileURLToPath(new URL("ca.pem", TLS_DIR)) }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`deno exited with ${code}: ${err}`));
      else resolve(out.trim().split("\n").map((line) => JSON.parse(line)));
    });
  });
}

test("Deno: the delivery goes to the checked address, never to what the name resolves to next", async () => {
  const [rebinding, rebound, otherName, development] = await runProbe();

  expect(rebinding!.result).toMatchObject({ statusCode: 204 });
  expect(rebinding!.lookups).toBe(1);
  expect(rebinding!.targets).toEqual([{ host: "93.184.216.34", port: tlsPort, tls: { serverName: "subscriber.test" } }]);
  expect(hits.filter((hit) => hit.server === "checked")).toEqual([
    { server: "checked", path: "/hook?x=1", host: `subscriber.test:${tlsPort}`, serverName: "subscriber.test", body: '{"from":"deno"}' },
  ]);

  expect(rebound!.result.error).toMatch(/^Refused: url's host subscriber.test is not allowed or cannot be resolved/);
  expect(rebound!.targets).toEqual([]);
  expect(hits.filter((hit) => hit.server === "rebound")).toEqual([]);

  // Deno's TLS checks the certificate against the URL's name, not the address connected to.
  expect(otherName!.result.error).toMatch(/^Connection failed: .*certificate/i);

  expect(development!.result).toMatchObject({ statusCode: 204 });
  expect(hits.filter((hit) => hit.server === "development")).toHaveLength(1);
}, 60_000);
