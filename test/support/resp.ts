// Minimal RESP2 client over node:net for test and benchmark infrastructure.
// One TCP connection carries every caller's commands back to back (pipelining);
// Redis answers in order, so replies are matched to callers by a FIFO queue.
// Reply shapes: status → string, bulk → Buffer (binary safe), integer → number,
// nil → null, array → RespReply[], error → RedisReplyError (resolved, not thrown,
// so one failing command in a batch does not hide its neighbours' results).

// TypeScript 7 no longer loads @types/* implicitly when run without a tsconfig.
/// <reference types="node" />
import net from "node:net";

export type RespArg = string | number | Buffer;
export type RespReply = string | number | Buffer | null | RedisReplyError | RespReply[];

/** A `-ERR ...` reply from Redis. */
export class RedisReplyError extends Error {
  override name = "RedisReplyError";
}

/** The connection failed or dropped before the reply arrived; the command may or may not have run. */
export class RedisConnectionError extends Error {
  override name = "RedisConnectionError";
}

export interface RespClientOptions {
  /** Defaults to 2000 ms; a black-holed host must not stall callers forever. */
  connectTimeoutMs?: number;
  /** CLIENT SETNAME on every (re)connect, so tests can find and kill this connection. */
  connectionName?: string;
}

interface Pending {
  resolve: (value: RespReply | RespReply[]) => void;
  reject: (error: Error) => void;
  /** null for a single command; otherwise collects the replies of a batch. */
  replies: RespReply[] | null;
  expected: number;
}

interface ArrayFrame {
  items: RespReply[];
  filled: number;
}

const CR = 13;
const CRLF = "\r\n";

export class RespClient {
  readonly host: string;
  readonly port: number;
  private readonly handshake: RespArg[][] = [];
  private readonly connectTimeoutMs: number;
  private conn: Connection | null = null;
  private closed = false;

  constructor(url = "redis://127.0.0.1:6379", options: RespClientOptions = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== "redis:") throw new Error(`only redis:// URLs are supported, got ${url}`);
    this.host = parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    this.port = Number(parsed.port || 6379);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    if (parsed.password) {
      const password = decodeURIComponent(parsed.password);
      this.handshake.push(parsed.username ? ["AUTH", decodeURIComponent(parsed.username), password] : ["AUTH", password]);
    }
    const db = parsed.pathname.slice(1);
    if (db) this.handshake.push(["SELECT", db]);
    if (options.connectionName) this.handshake.push(["CLIENT", "SETNAME", options.connectionName]);
  }

  send(args: readonly RespArg[]): Promise<RespReply> {
    return this.enqueue([args], null) as Promise<RespReply>;
  }

  /**
   * Writes all commands contiguously, so no other caller's command lands between
   * them — which is what makes MULTI ... EXEC safe on the shared connection.
   */
  batch(commands: readonly (readonly RespArg[])[]): Promise<RespReply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    return this.enqueue(commands, []) as Promise<RespReply[]>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.end();
  }

  private enqueue(
    commands: readonly (readonly RespArg[])[],
    replies: RespReply[] | null,
  ): Promise<RespReply | RespReply[]> {
    if (this.closed) return Promise.reject(new RedisConnectionError("RESP client is closed"));
    const conn = this.connection();
    return new Promise((resolve, reject) => {
      conn.push({ resolve, reject, replies, expected: commands.length }, commands);
    });
  }

  private connection(): Connection {
    if (this.conn && !this.conn.dead) return this.conn;
    const conn = new Connection(this.host, this.port, this.connectTimeoutMs, () => {
      if (this.conn === conn) this.conn = null;
    });
    this.conn = conn;
    if (this.handshake.length > 0) conn.runHandshake(this.handshake);
    return conn;
  }
}

/** One socket and its reply state; replaced wholesale after a disconnect so stale state can't leak. */
class Connection {
  dead = false;
  private readonly socket: net.Socket;
  private readonly queue: Pending[] = [];
  private head = 0;
  private out: (string | Buffer)[] = [];
  private flushScheduled = false;
  // Unparsed input: kept as chunks and joined only once `need` bytes are there,
  // so a large bulk reply arriving in many reads is copied once, not once per read.
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = 0;
  private readonly stack: ArrayFrame[] = [];
  private failure: Error | null = null;
  private readonly closedPromise: Promise<void>;

  constructor(host: string, port: number, connectTimeoutMs: number, onGone: () => void) {
    this.socket = net.connect({ host, port, noDelay: true, keepAlive: true });
    this.socket.setTimeout(connectTimeoutMs, () => {
      this.socket.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`));
    });
    this.socket.once("connect", () => this.socket.setTimeout(0));
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (error) => {
      this.failure ??= error;
    });
    this.closedPromise = new Promise((resolve) => {
      this.socket.once("close", () => {
        this.dead = true;
        onGone();
        const reason = this.failure?.message ?? "connection closed";
        this.failAll(new RedisConnectionError(`Redis at ${host}:${port} unavailable: ${reason}`));
        resolve();
      });
    });
  }

  push(pending: Pending, commands: readonly (readonly RespArg[])[]): void {
    this.queue.push(pending);
    for (const args of commands) this.encode(args);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Deferring to the check phase coalesces every command issued during this
      // event-loop turn (often many HTTP requests) into a single socket write.
      setImmediate(() => this.flush());
    }
  }

  runHandshake(commands: RespArg[][]): void {
    this.queue.push({
      resolve: (replies) => {
        const error = (replies as RespReply[]).find((r) => r instanceof RedisReplyError);
        if (error) this.socket.destroy(new Error(`handshake failed: ${(error as RedisReplyError).message}`));
      },
      // A dropped connection already rejects the callers' own commands queued behind this.
      reject: () => {},
      replies: [],
      expected: commands.length,
    });
    for (const args of commands) this.encode(args);
    this.flush();
  }

  end(): Promise<void> {
    if (!this.dead) {
      this.flush();
      this.socket.end();
    }
    return this.closedPromise;
  }

  private encode(args: readonly RespArg[]): void {
    let s = "*" + args.length + CRLF;
    for (const arg of args) {
      if (typeof arg === "string") {
        s += "$" + Buffer.byteLength(arg) + CRLF + arg + CRLF;
      } else if (typeof arg === "number") {
        const text = String(arg);
        s += "$" + text.length + CRLF + text + CRLF;
      } else {
        this.appendOut(s + "$" + arg.length + CRLF);
        this.out.push(arg);
        s = CRLF;
      }
    }
    this.appendOut(s);
  }

  private appendOut(s: string): void {
    const last = this.out.length - 1;
    if (last >= 0 && typeof this.out[last] === "string") this.out[last] += s;
    else this.out.push(s);
  }

  private flush(): void {
    this.flushScheduled = false;
    const parts = this.out;
    if (parts.length === 0) return;
    this.out = [];
    if (this.dead) return;
    if (parts.length === 1) {
      this.socket.write(parts[0]!);
      return;
    }
    this.socket.cork();
    for (const part of parts) this.socket.write(part);
    this.socket.uncork();
  }

  private failAll(error: Error): void {
    const pending = this.queue.slice(this.head);
    this.queue.length = 0;
    this.head = 0;
    for (const p of pending) p.reject(error);
  }

  private onData(chunk: Buffer): void {
    let buf: Buffer;
    if (this.buffered === 0) {
      buf = chunk;
    } else {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered < this.need) return;
      buf = Buffer.concat(this.chunks, this.buffered);
    }
    let used: number;
    try {
      used = this.parse(buf);
    } catch (error) {
      this.socket.destroy(error as Error);
      return;
    }
    if (used === buf.length) {
      this.chunks = [];
      this.buffered = 0;
    } else {
      const rest = buf.subarray(used);
      this.chunks = [rest];
      this.buffered = rest.length;
    }
  }

  /**
   * Consumes every complete element in `buf` and returns how many bytes it used.
   * Partially received arrays live on `stack`, so parsing resumes where it stopped
   * instead of re-reading already-parsed elements. Bulk replies are views into the
   * read buffer (Node allocates a fresh one per read), so they are not copied.
   */
  private parse(buf: Buffer): number {
    const len = buf.length;
    let pos = 0;
    this.need = 0;
    while (pos < len) {
      const start = pos;
      const lineEnd = buf.indexOf(CR, pos + 1);
      if (lineEnd === -1 || lineEnd + 1 >= len) return start;
      let value: RespReply;
      switch (buf[pos]) {
        case 0x2b: // '+'
          value = buf.toString("utf8", pos + 1, lineEnd);
          pos = lineEnd + 2;
          break;
        case 0x2d: // '-'
          value = new RedisReplyError(buf.toString("utf8", pos + 1, lineEnd));
          pos = lineEnd + 2;
          break;
        case 0x3a: // ':'
          value = parseInteger(buf, pos + 1, lineEnd);
          pos = lineEnd + 2;
          break;
        case 0x24: {
          // '$'
          const size = parseInteger(buf, pos + 1, lineEnd);
          if (size < 0) {
            value = null;
            pos = lineEnd + 2;
            break;
          }
          const dataStart = lineEnd + 2;
          const end = dataStart + size + 2;
          if (end > len) {
            this.need = end - start;
            return start;
          }
          value = buf.subarray(dataStart, dataStart + size);
          pos = end;
          break;
        }
        case 0x2a: {
          // '*'
          const count = parseInteger(buf, pos + 1, lineEnd);
          pos = lineEnd + 2;
          if (count > 0) {
            this.stack.push({ items: new Array<RespReply>(count), filled: 0 });
            continue;
          }
          value = count < 0 ? null : [];
          break;
        }
        default:
          throw new Error(`RESP protocol error: unexpected byte 0x${buf[pos]!.toString(16)}`);
      }
      this.complete(value);
    }
    return pos;
  }

  private complete(value: RespReply): void {
    let reply = value;
    while (this.stack.length > 0) {
      const frame = this.stack[this.stack.length - 1]!;
      frame.items[frame.filled++] = reply;
      if (frame.filled < frame.items.length) return;
      this.stack.pop();
      reply = frame.items;
    }
    const pending = this.queue[this.head];
    if (!pending) throw new Error("RESP protocol error: reply without a pending command");
    if (pending.replies === null) {
      this.dequeue();
      pending.resolve(reply);
    } else {
      pending.replies.push(reply);
      if (pending.replies.length === pending.expected) {
        this.dequeue();
        pending.resolve(pending.replies);
      }
    }
  }

  private dequeue(): void {
    this.head++;
    // Compact occasionally instead of shift()ing, which would move the whole array each time.
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Redis integers are 64-bit; values beyond 2^53 lose precision, as they would in JSON anyway. */
function parseInteger(buf: Buffer, from: number, to: number): number {
  let i = from;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  let n = 0;
  for (; i < to; i++) n = n * 10 + (buf[i]! - 48);
  return negative ? -n : n;
}
