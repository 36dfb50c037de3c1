// Upstash-REST-compatible HTTP server backed by a real Redis, for tests and benchmarks:
// it lets the real @upstash/redis and @upstash/ratelimit clients run against a local
// Redis, the role Upstash's own serverless-redis-http plays in local development.
//
//   POST /            one command as a JSON array  → 200 {"result": …} | 400 {"error": "ERR …"}
//   POST /pipeline    an array of commands         → 200 [{"result": …} | {"error": …}, …]
//   POST /multi-exec  the same, inside MULTI/EXEC  → 200 like /pipeline | 400 if Redis aborts it
//
// Also a CLI, so a benchmark or a non-Node runtime can run it as its own process:
//   npx tsx test/support/upstash-rest.ts --port 8079 --token X [--host H] [--redis-url URL]
// prints one JSON line {"url","token"} once listening; SIGTERM or SIGINT closes it.

// TypeScript 7 no longer loads @types/* implicitly when run without a tsconfig.
/// <reference types="node" />
import { createHash, randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RedisConnectionError, RedisReplyError, RespClient, type RespReply } from "./resp.js";

export interface UpstashRestServer {
  url: string;
  token: string;
  /**
   * requests: HTTP requests received, whatever their outcome.
   * commands: client commands forwarded to Redis (the MULTI/EXEC wrapping is not counted).
   */
  stats: { requests: number; commands: number; reset(): void };
  close(): Promise<void>;
}

export interface UpstashRestOptions {
  /** Defaults to redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Defaults to a random token. */
  token?: string;
  /** Defaults to 0, an ephemeral port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
}

// These would change the state of the one Redis connection every caller shares
// (transactions, pub/sub, database, reply mode); Upstash doesn't serve them over REST either.
const CONNECTION_STATE_COMMANDS = new Set([
  "AUTH", "DISCARD", "EXEC", "HELLO", "MONITOR", "MULTI", "PSUBSCRIBE", "PSYNC", "PUNSUBSCRIBE", "QUIT",
  "REPLCONF", "RESET", "SELECT", "SSUBSCRIBE", "SUBSCRIBE", "SUNSUBSCRIBE", "SYNC", "UNSUBSCRIBE", "UNWATCH", "WATCH",
]);
const CONNECTION_STATE_CLIENT_SUBCOMMANDS = new Set(["CACHING", "REPLY", "TRACKING"]);

// On the shared, pipelined connection these would stall every caller queued behind them,
// so they get a connection of their own.
const BLOCKING_COMMANDS = new Set([
  "BLMOVE", "BLMPOP", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN", "WAIT", "WAITAOF",
]);

// Upstash accepts these script shebang flags; Redis 7 rejects the whole script for them
// ("Unexpected flag in script shebang"). Dropping them is safe because every Redis script
// runs atomically anyway. Flags Upstash would reject are left for Redis to reject too.
const UPSTASH_ONLY_SCRIPT_FLAGS = new Set(["allow-key-locking"]);

/** Beyond this many rewritten scripts the hash map starts over; EVALSHA then answers NOSCRIPT and clients re-EVAL. */
const MAX_REMEMBERED_SCRIPTS = 10_000;

interface Prepared {
  args: string[];
  /** The command must not reach Redis; this is its error reply. */
  rejected: string | null;
  /** SCRIPT LOAD of a rewritten script: answer with the hash the client computed, not Redis's. */
  loadSha: string | null;
  blocking: boolean;
}

type Route = "single" | "pipeline" | "multi-exec";

/**
 * Clients compute EVALSHA hashes over the script text they send, but Redis hashes the
 * rewritten text it was given, so rewritten scripts are tracked as clientSha → redisSha.
 */
class ScriptHashes {
  private readonly redisShaByClientSha = new Map<string, string>();

  /** The script as Redis will accept it, or null when Redis takes it verbatim. */
  adapt(script: string): { script: string; clientSha: string } | null {
    if (!script.startsWith("#!")) return null;
    const eol = script.indexOf("\n");
    const words = (eol === -1 ? script : script.slice(0, eol)).split(" ");
    let changed = false;
    for (let i = 1; i < words.length; i++) {
      const word = words[i]!;
      if (!word.startsWith("flags=")) continue;
      const flags = word.slice("flags=".length).split(",");
      const kept = flags.filter((flag) => !UPSTASH_ONLY_SCRIPT_FLAGS.has(flag));
      if (kept.length === flags.length) continue;
      words[i] = "flags=" + kept.join(",");
      changed = true;
    }
    if (!changed) return null;
    const rewritten = words.join(" ") + (eol === -1 ? "" : script.slice(eol));
    const clientSha = sha1(script);
    if (this.redisShaByClientSha.size >= MAX_REMEMBERED_SCRIPTS) this.redisShaByClientSha.clear();
    this.redisShaByClientSha.set(clientSha, sha1(rewritten));
    return { script: rewritten, clientSha };
  }

  /** Unknown hashes pass through, so Redis itself answers NOSCRIPT (or runs a verbatim-loaded script). */
  redisSha(sha: string): string {
    return this.redisShaByClientSha.get(sha.toLowerCase()) ?? sha;
  }
}

export async function startUpstashRest(opts: UpstashRestOptions = {}): Promise<UpstashRestServer> {
  const redisUrl = opts.redisUrl ?? "redis://127.0.0.1:6379";
  const token = opts.token ?? randomBytes(18).toString("base64url");
  const host = opts.host ?? "127.0.0.1";
  const expectedAuthorization = `Bearer ${token}`;
  const blockingClients = new Set<RespClient>();
  const scripts = new ScriptHashes();
  const stats = {
    requests: 0,
    commands: 0,
    reset() {
      stats.requests = 0;
      stats.commands = 0;
    },
  };
  let syncToken = 0;

  function reply(res: http.ServerResponse, status: number, payload: unknown): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, [
      "content-type", "application/json",
      "content-length", String(Buffer.byteLength(body)),
      // The client echoes this back for read-your-writes; one Redis makes any value consistent.
      "upstash-sync-token", String(++syncToken),
    ]);
    res.end(body);
  }

  function prepare(raw: unknown): Prepared | string {
    if (!Array.isArray(raw) || raw.length === 0) return "ERR a command must be a non-empty JSON array";
    for (let i = 0; i < raw.length; i++) {
      if (typeof raw[i] !== "string") raw[i] = argumentText(raw[i]);
    }
    const args = raw as string[];
    const name = args[0]!.toUpperCase();
    const prepared: Prepared = { args, rejected: null, loadSha: null, blocking: false };
    if (
      CONNECTION_STATE_COMMANDS.has(name) ||
      (name === "CLIENT" && CONNECTION_STATE_CLIENT_SUBCOMMANDS.has(args[1]?.toUpperCase() ?? ""))
    ) {
      prepared.rejected = `ERR '${args.slice(0, name === "CLIENT" ? 2 : 1).join(" ")}' is not supported by this Upstash REST stand-in`;
    } else if (BLOCKING_COMMANDS.has(name) || ((name === "XREAD" || name === "XREADGROUP") && hasBlockOption(args))) {
      prepared.blocking = true;
    } else if (name === "EVAL" || name === "EVAL_RO") {
      const adapted = args.length > 1 ? scripts.adapt(args[1]!) : null;
      if (adapted) args[1] = adapted.script;
    } else if (name === "EVALSHA" || name === "EVALSHA_RO") {
      if (args.length > 1) args[1] = scripts.redisSha(args[1]!);
    } else if (name === "SCRIPT") {
      const sub = args[1]?.toUpperCase();
      if (sub === "LOAD" && args.length > 2) {
        const adapted = scripts.adapt(args[2]!);
        if (adapted) {
          args[2] = adapted.script;
          prepared.loadSha = adapted.clientSha;
        }
      } else if (sub === "EXISTS") {
        for (let i = 2; i < args.length; i++) args[i] = scripts.redisSha(args[i]!);
      }
    }
    return prepared;
  }

  function prepareAll(raw: unknown): Prepared[] | string {
    if (!Array.isArray(raw) || raw.length === 0) return "ERR the body must be a non-empty JSON array of commands";
    const commands: Prepared[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const prepared = prepare(raw[i]);
      if (typeof prepared === "string") return `${prepared} (command ${i + 1})`;
      commands[i] = prepared;
    }
    return commands;
  }

  async function runBlocking(commands: string[][]): Promise<RespReply[]> {
    const client = new RespClient(redisUrl);
    blockingClients.add(client);
    try {
      return await client.batch(commands);
    } finally {
      blockingClients.delete(client);
      await client.close();
    }
  }

  async function single(res: http.ServerResponse, body: unknown, base64: boolean): Promise<void> {
    const command = prepare(body);
    if (typeof command === "string") return reply(res, 400, { error: command });
    if (command.rejected) return reply(res, 400, { error: command.rejected });
    stats.commands++;
    const raw = command.blocking ? (await runBlocking([command.args]))[0]! : await redis.send(command.args);
    const result = finish(command, raw);
    if (result instanceof RedisReplyError) return reply(res, 400, { error: result.message });
    reply(res, 200, { result: toJson(result, base64, true) });
  }

  async function pipeline(res: http.ServerResponse, body: unknown, base64: boolean): Promise<void> {
    const commands = prepareAll(body);
    if (typeof commands === "string") return reply(res, 400, { error: commands });
    const runnable = commands.filter((c) => c.rejected === null);
    stats.commands += runnable.length;
    const argsList = runnable.map((c) => c.args);
    const replies =
      runnable.length === 0 ? [] : runnable.some((c) => c.blocking) ? await runBlocking(argsList) : await redis.batch(argsList);
    let next = 0;
    reply(
      res,
      200,
      commands.map((c) => (c.rejected ? { error: c.rejected } : entry(finish(c, replies[next++]!), base64))),
    );
  }

  async function multiExec(res: http.ServerResponse, body: unknown, base64: boolean): Promise<void> {
    const commands = prepareAll(body);
    if (typeof commands === "string") return reply(res, 400, { error: commands });
    const rejected = commands.find((c) => c.rejected);
    if (rejected) return reply(res, 400, { error: `${EXECABORT} (${rejected.rejected})` });
    stats.commands += commands.length;
    // Inside MULTI blocking commands don't block, so the shared connection is fine.
    const replies = await redis.batch([["MULTI"], ...commands.map((c) => c.args), ["EXEC"]]);
    const exec = replies[replies.length - 1]!;
    if (!Array.isArray(exec)) {
      // A command refused while queueing (unknown, wrong arity) aborts the whole
      // transaction; the client only learns which one if we say so.
      const cause = replies.find((r, i) => i > 0 && r instanceof RedisReplyError && r !== exec) as RedisReplyError | undefined;
      const message = exec instanceof RedisReplyError ? exec.message : EXECABORT;
      return reply(res, 400, { error: cause ? `${message} (${cause.message})` : message });
    }
    reply(
      res,
      200,
      commands.map((c, i) => entry(finish(c, exec[i]!), base64)),
    );
  }

  const routes: Record<Route, typeof single> = { single, pipeline, "multi-exec": multiExec };

  function authorized(req: http.IncomingMessage, url: string, query: number): boolean {
    const header = req.headers.authorization;
    if (header !== undefined) return header === expectedAuthorization;
    // Upstash also accepts the token as a query parameter.
    return query !== -1 && new URLSearchParams(url.slice(query + 1)).get("_token") === token;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    stats.requests++;
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const route: Route | null =
      path === "/" ? "single" : path === "/pipeline" ? "pipeline" : path === "/multi-exec" ? "multi-exec" : null;
    if (route === null) {
      return reply(res, 404, {
        error: `ERR ${req.method} ${path} is not served by this Upstash REST stand-in (POST /, /pipeline or /multi-exec)`,
      });
    }
    if (req.method !== "POST") return reply(res, 405, { error: `ERR ${req.method} is not allowed; use POST` });
    if (!authorized(req, url, query)) return reply(res, 401, { error: "Unauthorized: missing or invalid bearer token" });

    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return reply(res, 400, { error: "ERR the request body is not valid JSON" });
    }
    const encoding = req.headers["upstash-encoding"];
    const base64 = typeof encoding === "string" && encoding.toLowerCase() === "base64";
    try {
      await routes[route](res, body, base64);
    } catch (error) {
      if (!(error instanceof RedisConnectionError)) throw error;
      reply(res, 503, { error: `ERR ${error.message}` });
    }
  }

  const server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else reply(res, 500, { error: `ERR stand-in failure: ${error instanceof Error ? error.message : String(error)}` });
    });
  });
  // Outlast client pools' idle timeouts (Deno's is 90 s, and it ignores the Keep-Alive
  // hint), so clients, not the server, end idle connections and never race a close.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Named per port so a test can find (and kill) exactly this stand-in's connection.
  const redis = new RespClient(redisUrl, { connectionName: `upstash-rest-stand-in-${port}` });

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    token,
    stats,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would otherwise hold close() open until they idle out.
        server.closeAllConnections();
      });
      await Promise.all([...blockingClients].map((c) => c.close()));
      await redis.close();
    },
  };
}

const EXECABORT = "EXECABORT Transaction discarded because of previous errors.";

function finish(command: Prepared, raw: RespReply): RespReply {
  if (command.loadSha !== null && !(raw instanceof RedisReplyError)) return Buffer.from(command.loadSha);
  return raw;
}

function entry(result: RespReply, base64: boolean): { result: unknown } | { error: string } {
  return result instanceof RedisReplyError ? { error: result.message } : { result: toJson(result, base64, true) };
}

/**
 * With base64 on, the client's decode() base64-decodes every string it receives except a
 * top-level "OK", so everything else — status replies like PONG, and anything nested,
 * "OK" included — must be encoded. Errors nested in arrays (rare) become plain strings.
 */
function toJson(reply: RespReply, base64: boolean, topLevel: boolean): unknown {
  if (typeof reply === "number" || reply === null) return reply;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (Array.isArray(reply)) {
    const out: unknown[] = new Array(reply.length);
    for (let i = 0; i < reply.length; i++) out[i] = toJson(reply[i]!, base64, false);
    return out;
  }
  const text = typeof reply === "string" ? reply : reply.message;
  if (!base64 || (topLevel && text === "OK" && typeof reply === "string")) return text;
  return Buffer.from(text).toString("base64");
}

/** The client sends numbers and booleans as JSON values; Redis wants their text. */
function argumentText(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
}

function hasBlockOption(args: string[]): boolean {
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!.toUpperCase();
    if (word === "STREAMS") return false;
    if (word === "BLOCK") return true;
  }
  return false;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString("utf8")));
    // After "end" this is a no-op; before it, the client went away mid-body.
    req.on("close", () => reject(new Error("request aborted")));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      "redis-url": { type: "string" },
    },
  });
  const server = await startUpstashRest({
    port: values.port === undefined ? undefined : Number(values.port),
    host: values.host,
    token: values.token,
    redisUrl: values["redis-url"],
  });
  process.stdout.write(JSON.stringify({ url: server.url, token: server.token }) + "\n");
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
