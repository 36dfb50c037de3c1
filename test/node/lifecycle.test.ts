// The Node runner as a newcomer and an operator meet it: `npm start` with nothing configured
// (embedded database, demo seed, printed key and curl), restarting it, the keys CLI, the
// request log, and a graceful shutdown that finishes the requests already in flight.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Fixtures } from "../support/fixtures.ts";
import { startNodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const DOC_BODY = {
  type: "call",
  title: "Discovery call with Jane",
  description: "Discussed Q2 outsourcing plans; next step is proposal.",
  contact_id: "123e4567-e89b-12d3-a456-426614174000",
  deal_id: "3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a",
  metadata: { duration_minutes: 32, direction: "outbound" },
};

const runKeysCli = (args: string[], env: Record<string, string>) => runScript("functions/_node/keys-cli.ts", args, env);

function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

test("npm start with a bad environment exits 78 (EX_CONFIG), naming every bad variable, and serves nothing", async () => {
  const result = await runScript("functions/_node/server.ts", [], { RATE_LIMIT_WINDOW: "ten seconds", PORT: "http", WEBHOOK_RETRY_SCHEDULE: "0,soon" });
  expect(result.code).toBe(78);
  expect(result.stderr).toMatch(/^Invalid environment:/);
  for (const name of ["RATE_LIMIT_WINDOW", "PORT", "WEBHOOK_RETRY_SCHEDULE"]) expect(result.stderr).toContain(`${name} must be`);
  expect(result.stdout).not.toContain("listening");
}, 30_000);

describe("npm start with nothing configured (embedded PGlite)", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "api-gateway-embedded-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test("seeds the doc's ids, prints a working key and curl; a restart reuses both", async () => {
    const first = await startNodeServer({ DATA_DIR: dataDir, PORT: "0" }, { timeoutMs: 60_000 });
    let key: string;
    try {
      // The banner comes right after the listening line; give stderr a moment.
      await expect.poll(() => /wbk_[0-9a-f]{64}/.test(first.output()), { timeout: 5000 }).toBe(true);
      const banner = first.output();
      key = /Demo API key[^\n]*: (wbk_[0-9a-f]{64})/.exec(banner)![1]!;
      expect(banner).toContain(`curl -i -X POST ${first.baseUrl}/functions/v1/api-gateway/v1/activities`);
      expect(banner).toContain(`-H "Authorization: Bearer ${key}"`);
      expect(banner).toContain(`-d '${JSON.stringify(DOC_BODY)}'`);
      expect((await readFile(join(dataDir, "demo-api-key"), "utf8")).trim()).toBe(key);

      const response = await fetch(`${first.baseUrl}/functions/v1/api-gateway/v1/activities`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(DOC_BODY),
      });
      expect(response.status).toBe(201);
      const { data } = (await response.json()) as { data: { activity: Record<string, unknown> } };
      expect(data.activity).toMatchObject({ ...DOC_BODY, created_by_user_id: "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d" });
      const migrationFiles = (await readdir(join(ROOT, "supabase/migrations"))).filter((file) => file.endsWith(".sql")).sort();
      expect(first.logs.find((line) => line.msg === "migrations")).toMatchObject({ applied: migrationFiles });
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startNodeServer({ DATA_DIR: dataDir, PORT: "0" }, { timeoutMs: 60_000 });
    try {
      await expect.poll(() => second.output().includes(key), { timeout: 5000 }).toBe(true);
      expect(second.logs.find((line) => line.msg === "migrations")).toMatchObject({ applied: [] });
      const response = await fetch(`${second.baseUrl}/v1/activities`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(DOC_BODY),
      });
      expect(response.status).toBe(201);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 120_000);
});

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("operating the Node server on PostgreSQL", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase("lifecycle");
  });
  afterAll(async () => {
    await database?.drop();
  });

  test("keys CLI: create prints the key alone on its last line; list shows it; revoke makes it 401", async () => {
    const env = { DATABASE_URL: database.apiUrl };
    const workspace = crypto.randomUUID();
    const user = crypto.randomUUID();
    const created = await runKeysCli(
      ["create", "--scopes", "activities:write,activities:read", "--workspace", workspace, "--user", user, "--name", "ci", "--expires-at", "2099-01-01T00:00:00Z"],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const lines = created.stdout.trim().split("\n");
    const key = lines.at(-1)!;
    expect(key).toMatch(/^wbk_[0-9a-f]{64}$/);
    expect(created.stderr).not.toContain(key);

    const listed = await runKeysCli(["list", "--workspace", workspace], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(key.slice(0, 12));
    expect(listed.stdout).not.toContain(key);
    const keyId = listed.stdout.trim().split(/\s+/)[0]!;

    const server = await startNodeServer({ DATABASE_URL: database.apiUrl, MIGRATE: "0", SEED_DEMO: "0" });
    try {
      const post = () =>
        fetch(`${server.baseUrl}/v1/activities`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({ type: "note" }),
        });
      const ok = await post();
      expect(ok.status).toBe(201);
      expect(((await ok.json()) as { data: { activity: { created_by_user_id: string } } }).data.activity.created_by_user_id).toBe(user);

      const revoked = await runKeysCli(["revoke", keyId], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((await post()).status).toBe(401);
      expect((await runKeysCli(["list", "--workspace", workspace], env)).stdout).toMatch(/revoked/);
    } finally {
      await server.stop();
    }

    const bad = await runKeysCli(["create", "--scopes", "activities:write", "--workspace", "nope"], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--workspace must be a UUID/);
    const badScope = await runKeysCli(["create", "--scopes", "everything"], env);
    expect(badScope.code).toBe(1);
  });

  test("one structured log line per request, with workspace and latency — and never the key", async () => {
    const fixtures = new Fixtures(database.admin);
    const ws = await fixtures.workspace();
    const key = await fixtures.key(ws);
    const server = await startNodeServer({ DATABASE_URL: database.apiUrl, MIGRATE: "0", SEED_DEMO: "0" });
    try {
      const created = await fetch(`${server.baseUrl}/functions/v1/api-gateway/v1/activities`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "call" }),
      });
      const refused = await fetch(`${server.baseUrl}/v1/activities`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "call", contact_id: crypto.randomUUID() }),
      });
      await expect.poll(() => server.logs.filter((line) => line.msg === "request").length).toBe(2);
      const [ok, notFound] = server.logs.filter((line) => line.msg === "request");
      expect(ok).toMatchObject({
        level: "info",
        request_id: created.headers.get("x-request-id"),
        method: "POST",
        route: "/v1/activities",
        status: 201,
        workspace_id: ws.workspaceId,
      });
      expect(typeof ok!.latency_ms).toBe("number");
      expect(notFound).toMatchObject({ status: 404, error_code: "contact_not_found", request_id: refused.headers.get("x-request-id") });
      expect(server.output()).not.toContain(key);
      expect(server.output()).not.toContain(key.slice(4));
    } finally {
      await server.stop();
    }
  });

  test("SIGTERM: stops accepting, finishes the request in flight, exits 0", async () => {
    const fixtures = new Fixtures(database.admin);
    const ws = await fixtures.workspace();
    const key = await fixtures.key(ws);
    const server = await startNodeServer({ DATABASE_URL: database.apiUrl, MIGRATE: "0", SEED_DEMO: "0" });
    const { port } = new URL(server.baseUrl);
    const body = JSON.stringify({ type: "call", title: "in flight during shutdown" });
    // Send headers and half the body, signal, then the rest: the request spans the shutdown.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/v1/activities",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const result = await inFlight;
    expect(result.status, result.body).toBe(201);
    expect(await server.stop()).toBe(0);
    expect(server.logs.map((line) => line.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
    expect(await fixtures.activityCount(ws)).toBe(1);
    // After shutdown nothing listens any more.
    await expect(fetch(`${server.baseUrl}/v1/activities`, { method: "POST" })).rejects.toThrow();
  });
});
