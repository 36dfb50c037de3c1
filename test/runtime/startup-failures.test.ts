// What a newcomer meets when an entry cannot start: one clear line naming the cause and what to
// do, and a non-zero exit — never a stack trace, never a server that logs "listening" and then
// answers every request with a 500. The port in use (Node, Deno), PostgreSQL unreachable while
// migrating (Node), and a database without the migrations (Node with MIGRATE=0, Deno; workerd,
// which cannot exit, logs it once and answers 500 in the API's shape).

import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../../scripts/edge-bundle.ts";
import { DENO_BIN, DENO_CONFIG_FLAGS, denoEnv } from "../support/deno-server.ts";
import { baseEnv } from "../support/server-process.ts";
import { freePort } from "../support/ports.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startWorkerd } from "../support/workerd.ts";

const available = await serviceAvailable("postgres");

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runToExit(command: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`still running after ${timeoutMs} ms (it should have exited):\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const node = (env: Record<string, string>) =>
  runToExit(process.execPath, ["--import", "tsx", "functions/_node/server.ts"], { ...baseEnv(), LOG_LEVEL: "info", ...env });
const deno = (env: Record<string, string>) =>
  runToExit(DENO_BIN, ["run", ...DENO_CONFIG_FLAGS, "--allow-net", "--allow-env", "--no-prompt", "functions/api-gateway/index.ts"], { ...denoEnv(), ...env });

/** The one line on stderr: exactly one, no stack frames, and nothing claiming to listen. */
function oneLine(exit: Exit): string {
  expect(exit.code, `${exit.stdout}\n${exit.stderr}`).not.toBe(0);
  expect(exit.code).not.toBeNull();
  const lines = exit.stderr.trim().split("\n");
  expect(lines, exit.stderr).toHaveLength(1);
  expect(exit.stderr).not.toMatch(/\n\s+at |node:internal|error: Uncaught/);
  expect(exit.stdout).not.toContain('"listening"');
  return lines[0]!;
}

describe.skipIf(!available)("an entry that cannot start says why in one line and exits non-zero", () => {
  let migrated: TestDatabase;
  let empty: TestDatabase;
  let occupier: Server;
  let busyPort: number;

  beforeAll(async () => {
    migrated = await createTestDatabase("startup_migrated");
    empty = await createTestDatabase("startup_empty", { migrate: false });
    occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, "127.0.0.1", resolve));
    busyPort = (occupier.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => occupier?.close(resolve));
    await migrated?.drop();
    await empty?.drop();
  });

  test("Node: the port in use", async () => {
    const line = oneLine(await node({ DATABASE_URL: migrated.apiUrl, MIGRATE: "0", SEED_DEMO: "0", WEBHOOKS_DISPATCHER: "0", PORT: String(busyPort) }));
    expect(line).toBe(`api-gateway failed to start: port ${busyPort} on 127.0.0.1 is in use (is another server running? set PORT to use another).`);
  });

  test("Deno: the port in use", async () => {
    const line = oneLine(await deno({ DATABASE_URL: migrated.apiUrl, PORT: String(busyPort) }));
    expect(line).toBe(`api-gateway failed to start: port ${busyPort} on 127.0.0.1 is in use (is another server running? set PORT to use another).`);
  });

  test("Node, migrating: PostgreSQL not reachable is named as such, not as a permissions problem", async () => {
    const url = new URL(migrated.adminUrl);
    const port = await freePort();
    url.port = String(port);
    const line = oneLine(await node({ DATABASE_URL: url.toString(), SEED_DEMO: "0", WEBHOOKS_DISPATCHER: "0", PORT: "0", DATABASE_CONNECT_TIMEOUT: "2" }));
    expect(line).toMatch(new RegExp(`^api-gateway failed to start: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/${migrated.name}: .*refused`));
    expect(line).toContain("Is PostgreSQL running, and is DATABASE_URL right?");
    expect(line).not.toContain("DATABASE_ADMIN_URL");
  });

  test("Node with MIGRATE=0 on a database without the migrations: says what to run", async () => {
    const line = oneLine(await node({ DATABASE_URL: empty.adminUrl, MIGRATE: "0", SEED_DEMO: "0", WEBHOOKS_DISPATCHER: "0", PORT: "0" }));
    expect(line).toBe(
      `api-gateway failed to start: the database at 127.0.0.1:5432/${empty.name} has no API (its migrations are not applied). ` +
        "Apply them with `npm run migrate` (same DATABASE_URL; DATABASE_ADMIN_URL for an owner's URL), or `npx supabase db push`.",
    );
  });

  test("Deno on a database without the migrations: says what to run", async () => {
    const url = new URL(empty.adminUrl);
    const line = oneLine(await deno({ DATABASE_URL: url.toString(), PORT: "0" }));
    expect(line).toBe(
      `api-gateway failed to start: the database at 127.0.0.1:5432/${empty.name} has no API (its migrations are not applied). ` +
        "Apply them with `npm run migrate` (same DATABASE_URL; DATABASE_ADMIN_URL for an owner's URL), or `npx supabase db push`.",
    );
  });

  test("workerd on a database without the migrations: logs once what to run; requests get a 500 in the API's shape", async () => {
    const output: string[] = [];
    const miniflare = await startWorkerd({ hyperdrive: empty.adminUrl, output });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await miniflare.dispatchFetch("http://localhost/v1/activities", {
          method: "POST",
          headers: { Authorization: `Bearer wbk_${"1".repeat(64)}`, "Content-Type": "application/json" },
          body: "{\"type\":\"call\"}",
        });
        expect(response.status).toBe(500);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("internal_error");
        expect(body.error.message).not.toMatch(/schema|api\./);
      }
      await expect.poll(() => output.join(""), { timeout: 5000 }).toContain("has no API (its migrations are not applied)");
      expect(output.join("").match(/has no API \(its migrations are not applied\)/g)).toHaveLength(1);
    } finally {
      await miniflare.dispose();
    }
  });
});

