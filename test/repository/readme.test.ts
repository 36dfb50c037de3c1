// The README's commands and snippets, run as written (on a database of the test's own, and on
// ephemeral ports where the README names fixed ones): the Deno entry on a database that
// `npm run migrate` brought up to date, the Upstash stand-in command, the `fetch` snippet and
// the webhook-verification snippet with the server it shows.

import { spawn } from "node:child_process";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseEnv, ROOT, type ServerProcess, startServerProcess } from "../support/server-process.ts";
import { denoEnv } from "../support/deno-server.ts";
import { POSTGRES_ADMIN_URL, serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));
const README = await readFile(join(ROOT, "README.md"), "utf8");

/** The first fenced block of `lang` after `marker` in the README. */
function block(marker: string, lang: "sh" | "ts", nth = 0): string {
  let at = README.indexOf(marker);
  expect(at, `README has "${marker}"`).toBeGreaterThanOrEqual(0);
  let found = "";
  for (let i = 0; i <= nth; i++) {
    const start = README.indexOf(`\`\`\`${lang}\n`, at);
    const end = README.indexOf("\n```", start + 1);
    found = README.slice(start + lang.length + 4, end);
    at = end + 4;
  }
  return found;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Waits for a line on the child's stdout matching `pattern`; returns the match. */
function lineFrom(child: ReturnType<typeof spawn>, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in:\n${seen}`)), timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk;
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (seen += chunk));
  });
}

describe.skipIf(!available)("the README, as written", () => {
  let database: TestDatabase;
  let deno: ServerProcess | undefined;
  let demoKey = "";
  const scratch = join(ROOT, ".cache", `readme-${process.pid}`);
  const children: Array<ReturnType<typeof spawn>> = [];

  /** The README's local PostgreSQL URL, pointed at the test's database (and server). */
  const local = (url: string) => {
    const readme = new URL(url);
    const ours = new URL(POSTGRES_ADMIN_URL);
    readme.host = ours.host;
    readme.pathname = `/${database.name}`;
    return readme.toString();
  };

  beforeAll(async () => {
    database = await createTestDatabase("readme", { migrate: false });
    await mkdir(scratch, { recursive: true });
    await copyFile(join(ROOT, "client", "openapi-types.ts"), join(scratch, "openapi-types.ts"));
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    await deno?.stop();
    await database?.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  test("Deno, locally: npm run migrate (with the demo seed), then npm run start:deno, then the curl", async () => {
    const lines = block("**Locally, without Docker**", "sh").split("\n");
    const env: Record<string, string> = {};
    const exported = /^export (\w+)=(\S+)$/.exec(lines[0]!)!;
    env[exported[1]!] = local(exported[2]!);
    expect(exported[1]).toBe("DATABASE_URL");

    const migrateLine = /^((?:\w+=\S+ )*)npm run migrate\b/.exec(lines[1]!)!;
    expect(migrateLine, lines[1]).not.toBeNull();
    const assignments = Object.fromEntries(migrateLine[1]!.trim().split(" ").map((pair) => pair.split("=") as [string, string]));
    expect(Object.keys(assignments)).toEqual(["DATABASE_ADMIN_URL", "SEED_DEMO"]);
    const migrated = await run("npm", ["run", "--silent", "migrate"], {
      ...baseEnv(),
      ...env,
      DATABASE_ADMIN_URL: local(assignments.DATABASE_ADMIN_URL!),
      SEED_DEMO: assignments.SEED_DEMO!,
    });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toMatch(/is up to date \(\d+ applied/);
    demoKey = migrated.stdout.trim().split("\n").at(-1)!;
    expect(demoKey).toMatch(/^wbk_[0-9a-f]{64}$/);

    expect(lines[2]).toBe("npm run start:deno");
    deno = await startServerProcess({ command: "npm", args: ["run", "--silent", "start:deno"], env: { ...denoEnv(), ...env, PORT: "0" } });
    const curl = `${lines[3]}\n${lines[4]}`;
    expect(curl).toContain("curl -X POST http://127.0.0.1:8000/functions/v1/api-gateway/v1/activities");
    const body = /-d '([^']+)'/.exec(curl)![1]!;
    const response = await fetch(`${deno.baseUrl}/functions/v1/api-gateway/v1/activities`, {
      method: "POST",
      headers: { Authorization: `Bearer ${demoKey}`, "Content-Type": "application/json" },
      body,
    });
    expect(response.status).toBe(201);
  }, 180_000);

  test("the fetch snippet records the activity it shows", async () => {
    expect(deno, "the Deno test above started the server").toBeDefined();
    const file = join(scratch, "record.ts");
    await writeFile(file, block("### Use it from your code", "ts"));
    const result = await run(process.execPath, ["--import", "tsx", file], {
      ...baseEnv(),
      API_KEY: demoKey,
      API_BASE: `${deno!.baseUrl}/functions/v1/api-gateway`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^recorded act_[0-9a-f-]{36}$/m);
  }, 60_000);

  test("the webhook snippet, served as shown: a signed delivery is 204, a forged one 401", async () => {
    const file = join(scratch, "webhook.ts");
    await writeFile(file, block("Verifying a webhook with a Standard Webhooks library", "ts"));
    const secret = `whsec_${Buffer.from("readme-webhook-secret-32-bytes!!").toString("base64")}`;
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: ROOT, env: { ...baseEnv(), WEBHOOK_SECRET: secret, PORT: "0" } });
    children.push(child);
    const port = Number((await lineFrom(child, /listening on (\d+)/))[1]);
    const payload = JSON.stringify({ type: "activity.created", timestamp: new Date().toISOString(), data: { activity: { title: "From the README" } } });
    const id = "evt_readme";
    const timestamp = new Date();
    const signature = new Webhook(secret).sign(id, timestamp, payload);
    const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)), "content-type": "application/json" };
    const delivered = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { ...headers, "webhook-signature": signature }, body: payload });
    expect(delivered.status).toBe(204);
    const forged = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { ...headers, "webhook-signature": signature }, body: payload.replace("README", "forger") });
    expect(forged.status).toBe(401);
  }, 60_000);

  test("the Upstash stand-in command serves the real client, at the URL and token the next line uses", async () => {
    const [standIn, start] = block("**Upstash locally.**", "sh").split("\n");
    const command = /^npx tsx (\S+) --port (\d+) --token (\S+)/.exec(standIn!)!;
    expect(start).toContain(`UPSTASH_REDIS_REST_URL=http://127.0.0.1:${command[2]} UPSTASH_REDIS_REST_TOKEN=${command[3]} npm start`);
    const child = spawn("npx", ["tsx", command[1]!, "--port", "0", "--token", command[3]!], { cwd: ROOT, env: baseEnv() });
    children.push(child);
    const printed = JSON.parse((await lineFrom(child, /^\{.*\}$/m))[0]) as { url: string; token: string };
    expect(printed.token).toBe(command[3]);
    const redis = new Redis({ url: printed.url, token: printed.token, enableTelemetry: false });
    await redis.set(`readme:${process.pid}`, "works", { ex: 10 });
    expect(await redis.get(`readme:${process.pid}`)).toBe("works");
  }, 60_000);
});
