// Proves the Upstash REST stand-in is faithful enough for the real @upstash/redis and
// @upstash/ratelimit clients, over a real Redis. Without Redis the suite is skipped with a
// loud warning, or fails when services are required (REQUIRE_SERVICES).

import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisReplyError, RespClient, type RespReply } from "./resp.js";
import { freePort } from "./ports.ts";
import { prerequisiteMissing, REDIS_URL } from "./services.ts";
import { startUpstashRest, type UpstashRestServer } from "./upstash-rest.js";

const PREFIX = `test:upstash-rest:${randomUUID()}:`;
const key = (name: string): string => PREFIX + name;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function redisReachable(): Promise<boolean> {
  const probe = new RespClient(REDIS_URL, { connectTimeoutMs: 1000 });
  try {
    return (await probe.send(["PING"])) === "PONG";
  } catch {
    return false;
  } finally {
    await probe.close();
  }
}

const redisUp = (await redisReachable()) || prerequisiteMissing("upstash-rest tests", `Redis is not reachable at ${REDIS_URL}`, "Start Redis.");

describe.skipIf(!redisUp)("upstash REST stand-in", () => {
  let server: UpstashRestServer;
  let client: Redis;
  let direct: RespClient;

  const newClient = (token = server.token): Redis => new Redis({ url: server.url, token, retry: false });

  async function post(
    path: string,
    body: unknown,
    options: { token?: string | null; base64?: boolean } = {},
  ): Promise<{ status: number; json: any; headers: Headers }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = options.token === undefined ? server.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.base64) headers["upstash-encoding"] = "base64";
    const res = await fetch(server.url + path, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json(), headers: res.headers };
  }

  /** Keeps the sliding-window assertions away from a window boundary, where counts carry over. */
  async function awayFromWindowEdge(windowMs: number): Promise<void> {
    const into = Date.now() % windowMs;
    if (into > windowMs - 2_000) await sleep(windowMs - into + 50);
  }

  beforeAll(async () => {
    server = await startUpstashRest({ redisUrl: REDIS_URL });
    client = newClient();
    direct = new RespClient(REDIS_URL);
  });

  afterAll(async () => {
    let cursor = "0";
    do {
      const [next, keys] = (await direct.send(["SCAN", cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000])) as [Buffer, Buffer[]];
      cursor = next.toString();
      if (keys.length > 0) await direct.send(["DEL", ...keys]);
    } while (cursor !== "0");
    await direct?.close();
    await server?.close();
  });

  describe("commands through @upstash/redis", () => {
    it("set, get, incr, del and nil", async () => {
      expect(await client.set(key("s"), "v")).toBe("OK");
      expect(await client.get(key("s"))).toBe("v");
      expect(await client.incr(key("n"))).toBe(1);
      expect(await client.incrby(key("n"), 4)).toBe(5);
      expect(await client.del(key("s"), key("n"))).toBe(2);
      expect(await client.get(key("s"))).toBeNull();
    });

    it("round-trips unicode and JSON values", async () => {
      const text = "héllo wörld ✓ 🚀 日本語 \u0000\t\r\n end";
      await client.set(key("unicode"), text);
      expect(await client.get(key("unicode"))).toBe(text);
      expect(Buffer.compare((await direct.send(["GET", key("unicode")])) as Buffer, Buffer.from(text))).toBe(0);

      await client.set(key("json"), { a: 1, b: ["x", null] });
      expect(await client.get(key("json"))).toEqual({ a: 1, b: ["x", null] });
    });

    it("returns lists, hashes and nils inside arrays", async () => {
      expect(await client.rpush(key("list"), "a", "b", "c")).toBe(3);
      expect(await client.lrange(key("list"), 0, -1)).toEqual(["a", "b", "c"]);
      await client.hset(key("hash"), { name: "ada", age: "36" });
      expect(await client.hgetall(key("hash"))).toEqual({ name: "ada", age: 36 });
      await client.set(key("m1"), "one");
      expect(await client.mget(key("m1"), key("missing"))).toEqual(["one", null]);
    });

    it("runs a pipeline, with per-command errors inline", async () => {
      const ok = await client.pipeline().set(key("p"), "1").incr(key("p")).get(key("p")).exec();
      expect(ok).toEqual(["OK", 2, 2]);

      const mixed = await client.pipeline().set(key("p2"), "x").incr(key("p2")).get(key("p2")).exec({ keepErrors: true });
      expect(mixed[0]).toMatchObject({ result: "OK" });
      expect(mixed[1]!.error).toMatch(/not an integer/);
      expect(mixed[2]).toMatchObject({ result: "x" });
    });

    it("runs multi/exec atomically and reports its errors like Upstash", async () => {
      expect(await client.multi().set(key("t"), "1").incr(key("t")).exec()).toEqual(["OK", 2]);

      // A runtime error fails only its own command; Redis does not roll back the others.
      await expect(client.multi().set(key("t2"), "x").incr(key("t2")).exec()).rejects.toThrow(
        /Command 2 \[ incr \] failed: ERR value is not an integer/,
      );
      expect(await client.get(key("t2"))).toBe("x");

      // A command refused while queueing aborts the whole transaction.
      const aborted = await post("/multi-exec", [["SET", key("t3"), "1"], ["NOSUCHCOMMAND"]]);
      expect(aborted.status).toBe(400);
      expect(aborted.json.error).toMatch(/^EXECABORT .*unknown command/);
      expect(await direct.send(["EXISTS", key("t3")])).toBe(0);
    });
  });

  describe("wire protocol", () => {
    it("base64-encodes every string except a top-level OK status", async () => {
      expect((await post("/", ["SET", key("b64"), "hi"], { base64: true })).json).toEqual({ result: "OK" });
      expect((await post("/", ["GET", key("b64")], { base64: true })).json).toEqual({ result: "aGk=" });
      expect((await post("/", ["PING"], { base64: true })).json).toEqual({ result: "UE9ORw==" });
      expect((await post("/", ["GET", key("nothing")], { base64: true })).json).toEqual({ result: null });
      const nested = await post("/", ["EVAL", "return {7, 'OK', redis.status_reply('OK'), {'a'}, false}", 0], { base64: true });
      expect(nested.json).toEqual({ result: [7, "T0s=", "T0s=", ["YQ=="], null] });
      const pipelined = await post("/pipeline", [["SET", key("b64"), "OK"], ["GET", key("b64")]], { base64: true });
      expect(pipelined.json).toEqual([{ result: "OK" }, { result: "T0s=" }]);
    });

    it("returns plain strings without the encoding header", async () => {
      await post("/", ["SET", key("plain"), "héllo"]);
      expect((await post("/", ["GET", key("plain")])).json).toEqual({ result: "héllo" });
      expect((await post("/", ["PING"])).json).toEqual({ result: "PONG" });
    });

    it("is binary safe", async () => {
      const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x24, 0x2a, 0xc3]);
      await direct.send(["SET", key("bin"), bytes]);
      const { json } = await post("/", ["GET", key("bin")], { base64: true });
      expect(Buffer.compare(Buffer.from(json.result, "base64"), bytes)).toBe(0);
    });

    it("sends numbers and booleans as their text", async () => {
      expect((await post("/", ["SET", key("num"), 1.5])).json).toEqual({ result: "OK" });
      expect((await post("/", ["INCRBYFLOAT", key("num"), 2])).json).toEqual({ result: "3.5" });
      expect((await post("/", ["SET", key("bool"), true])).json).toEqual({ result: "OK" });
      expect(((await direct.send(["GET", key("bool")])) as Buffer).toString()).toBe("true");
    });

    it("answers errors as JSON with the right status", async () => {
      expect(await post("/", ["PING"], { token: null })).toMatchObject({ status: 401, json: { error: expect.any(String) } });
      expect(await post("/", ["PING"], { token: "wrong" })).toMatchObject({ status: 401 });
      expect(await post("/", ["NOSUCHCOMMAND"])).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^ERR unknown command/) } });
      expect(await post("/", "not json")).toMatchObject({ status: 400 });
      expect(await post("/", [])).toMatchObject({ status: 400 });
      expect(await post("/subscribe/x", {})).toMatchObject({ status: 404, json: { error: expect.any(String) } });

      const get = await fetch(server.url + "/");
      expect(get.status).toBe(405);
      expect(await get.json()).toMatchObject({ error: expect.any(String) });
    });

    it("accepts the token as a _token query parameter", async () => {
      const res = await fetch(`${server.url}/?_token=${encodeURIComponent(server.token)}`, {
        method: "POST",
        body: JSON.stringify(["PING"]),
      });
      expect(await res.json()).toEqual({ result: "PONG" });
    });

    it("returns an upstash-sync-token the client can echo", async () => {
      const { headers } = await post("/", ["PING"]);
      expect(headers.get("upstash-sync-token")).toBeTruthy();
    });

    it("refuses commands that would change the shared connection, and stays usable", async () => {
      for (const command of [["SUBSCRIBE", "x"], ["MULTI"], ["SELECT", "1"], ["CLIENT", "REPLY", "OFF"]]) {
        expect(await post("/", command)).toMatchObject({ status: 400, json: { error: expect.stringMatching(/not supported/) } });
      }
      const piped = await post("/pipeline", [["WATCH", key("w")], ["PING"]]);
      expect(piped.json).toEqual([{ error: expect.stringMatching(/not supported/) }, { result: "PONG" }]);
      expect(await client.ping()).toBe("PONG");
    });

    it("runs blocking commands on their own connection so others are not stalled", async () => {
      const blocked = post("/", ["BLPOP", key("queue"), 5]);
      await sleep(50);
      expect(await client.rpush(key("queue"), "job")).toBe(1);
      expect((await blocked).json).toEqual({ result: [key("queue"), "job"] });
    });
  });

  describe("scripts", () => {
    const script = `#!lua flags=allow-key-locking,allow-oom\nreturn {KEYS[1], ARGV[1]}`;
    const clientSha = createHash("sha1").update(script).digest("hex");

    it("accepts Upstash-only shebang flags that Redis 7 rejects", async () => {
      const refused = await direct.send(["EVAL", script, 1, key("k"), "a"]);
      expect(refused).toBeInstanceOf(RedisReplyError);
      expect((refused as RedisReplyError).message).toMatch(/allow-key-locking/);
      expect(await client.eval(script, [key("k")], ["a"])).toEqual([key("k"), "a"]);
    });

    it("maps the client's SHA-1 to the rewritten script", async () => {
      expect(await client.scriptLoad(script)).toBe(clientSha);
      expect(await client.scriptExists(clientSha)).toEqual([1]);
      expect(await client.evalsha(clientSha, [key("k")], ["b"])).toEqual([key("k"), "b"]);
    });

    it("answers NOSCRIPT for unknown hashes and after SCRIPT FLUSH", async () => {
      await expect(client.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
      await client.eval(script, [key("k")], ["c"]);
      await direct.send(["SCRIPT", "FLUSH"]);
      const res = await post("/", ["EVALSHA", clientSha, 1, key("k"), "d"]);
      expect(res).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^NOSCRIPT/) } });
    });
  });

  describe("@upstash/ratelimit", () => {
    it("enforces slidingWindow(5, '10 s') and falls back from EVALSHA to EVAL once", { timeout: 15_000 }, async () => {
      const ratelimit = new Ratelimit({
        redis: client,
        limiter: Ratelimit.slidingWindow(5, "10 s"),
        prefix: key("rl"),
        ephemeralCache: false,
      });
      await awayFromWindowEdge(10_000);
      await direct.send(["SCRIPT", "FLUSH"]);

      server.stats.reset();
      const first = await ratelimit.limit("user-1");
      expect(first).toMatchObject({ success: true, limit: 5, remaining: 4 });
      // EVALSHA answered NOSCRIPT, then the client sent EVAL.
      expect(server.stats.requests).toBe(2);

      server.stats.reset();
      expect(await ratelimit.limit("user-1")).toMatchObject({ success: true, remaining: 3 });
      expect(server.stats).toMatchObject({ requests: 1, commands: 1 });

      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) remaining.push((await ratelimit.limit("user-1")).remaining);
      expect(remaining).toEqual([2, 1, 0]);
      const sixth = await ratelimit.limit("user-1");
      expect(sixth).toMatchObject({ success: false, remaining: 0 });
      expect(sixth.reset).toBeGreaterThan(Date.now());

      expect(await ratelimit.limit("user-2")).toMatchObject({ success: true, remaining: 4 });
    });

    it("admits exactly the limit under concurrent calls", { timeout: 15_000 }, async () => {
      const ratelimit = new Ratelimit({
        redis: client,
        limiter: Ratelimit.slidingWindow(5, "10 s"),
        prefix: key("rl-concurrent"),
        ephemeralCache: false,
      });
      await awayFromWindowEdge(10_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => ratelimit.limit("burst")));
      expect(results.filter((r) => r.success)).toHaveLength(5);
    });
  });

  it("makes the client throw on a wrong token", async () => {
    await expect(newClient("wrong-token").get(key("x"))).rejects.toThrow(/Unauthorized/);
  });

  it("counts HTTP requests and forwarded commands", async () => {
    server.stats.reset();
    await client.get(key("a"));
    await client.get(key("b"));
    await client.pipeline().get(key("a")).get(key("b")).get(key("c")).exec();
    await client.multi().get(key("a")).get(key("b")).exec();
    await post("/", ["PING"], { token: "wrong" });
    expect(server.stats).toMatchObject({ requests: 5, commands: 7 });
    server.stats.reset();
    expect(server.stats).toMatchObject({ requests: 0, commands: 0 });
  });

  describe("Redis outages", () => {
    it("answers 503 JSON while Redis is unreachable", async () => {
      const closedPort = await freePort();
      const orphan = await startUpstashRest({ redisUrl: `redis://127.0.0.1:${closedPort}` });
      try {
        const res = await fetch(orphan.url, {
          method: "POST",
          headers: { authorization: `Bearer ${orphan.token}` },
          body: JSON.stringify(["PING"]),
        });
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ error: expect.stringMatching(/unavailable/) });
        await expect(new Redis({ url: orphan.url, token: orphan.token, retry: false }).ping()).rejects.toThrow(/unavailable/);
      } finally {
        await orphan.close();
      }
    });

    it("reconnects after its Redis connection is killed", async () => {
      await client.ping();
      const name = `upstash-rest-stand-in-${new URL(server.url).port}`;
      const list = ((await direct.send(["CLIENT", "LIST"])) as Buffer).toString();
      const id = /id=(\d+) [^\n]* name=(\S+)/g;
      const ids = [...list.matchAll(id)].filter((m) => m[2] === name).map((m) => m[1]!);
      expect(ids).toHaveLength(1);
      expect(await direct.send(["CLIENT", "KILL", "ID", ids[0]!])).toBe(1);

      let answer: RespReply | string = null;
      for (let attempt = 0; attempt < 20 && answer !== "PONG"; attempt++) {
        answer = await client.ping().catch(() => null);
        if (answer !== "PONG") await sleep(25);
      }
      expect(answer).toBe("PONG");
    });
  });

  it("runs as a CLI that prints {url, token} and stops on SIGTERM", { timeout: 20_000 }, async () => {
    const tsx = createRequire(import.meta.url).resolve("tsx/cli");
    const child = spawn(
      process.execPath,
      [tsx, "test/support/upstash-rest.ts", "--port", "0", "--token", "cli-token", "--redis-url", REDIS_URL],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`CLI exited early with ${code}`)));
      });
      const { url, token } = JSON.parse(line) as { url: string; token: string };
      expect(token).toBe("cli-token");
      expect(await new Redis({ url, token, retry: false }).ping()).toBe("PONG");
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
