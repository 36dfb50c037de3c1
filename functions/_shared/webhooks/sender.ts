// One HTTP attempt of one delivery, over a socket the caller's runtime opens (Deno.connect +
// Deno.startTls on the edge dispatcher; node:net in tests; Node's own runner has
// _node/webhook-sender.ts). The host is resolved once, every address checked against the URL
// policy, and the connection made to a checked address — never to a name the runtime would
// resolve again. fetch cannot do that: it resolves the name itself, so a name answering a public
// address to the check and a private one to fetch (DNS rebinding) would get through. TLS is
// verified for the URL's host name, which is also sent as SNI and Host. One request per
// connection (Connection: close), redirects not followed (a 3xx is a failure, as Standard
// Webhooks says), only the status line and headers read. Never throws: every way an attempt can
// go is an AttemptResult.

import { checkUrlSyntax, type HostResolver, publicAddresses } from "./url-policy.ts";

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface AttemptResult {
  /** The subscriber's status code; undefined when no response came. */
  statusCode?: number;
  latencyMs: number;
  /** Why there was no acceptable answer: timeout, connection error, refused address… */
  error?: string;
}

export type Sender = (request: OutboundRequest) => Promise<AttemptResult>;

/** A byte stream both ways (Deno.Conn, Deno.TlsConn, a Workers Socket all have this shape). */
export interface Connection {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close(): void;
}

export interface ConnectTarget {
  /** An IP address the policy checked; a name only in insecure mode, where nothing is checked. */
  host: string;
  port: number;
  /** For https: the name to verify the certificate for and to send as SNI. */
  tls?: { serverName: string };
}

export type Connect = (target: ConnectTarget) => Promise<Connection>;

export interface SocketSenderOptions {
  timeoutMs: number;
  /** How much of the answer (status line and headers) is read at most. */
  maxResponseBytes: number;
  allowInsecure: boolean;
  /** Required outside insecure mode: a name without one is refused (fail closed). */
  resolve?: HostResolver;
  connect: Connect;
  userAgent?: string;
}

const HEADER_READ_FLOOR = 16 * 1024;

export function createSocketSender(options: SocketSenderOptions): Sender {
  return async function send(request) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const syntax = checkUrlSyntax(request.url, options.allowInsecure);
    if (!syntax.ok) return { latencyMs: 0, error: `Refused: ${syntax.reason}` };
    const url = syntax.url;
    let hosts: string[];
    if (options.allowInsecure) {
      hosts = [url.hostname.replace(/^\[|\]$/g, "")];
    } else {
      const verdict = await publicAddresses(url.hostname, options.resolve);
      if (!verdict.ok) return { latencyMs: 0, error: `Refused: ${verdict.reason}` };
      // Fail closed: a name that could not be checked is not sent to.
      if (verdict.addresses.length === 0) return { latencyMs: 0, error: "Refused: no resolver to check the host's addresses with." };
      hosts = verdict.addresses;
    }
    let head: Uint8Array;
    try {
      head = requestHead(url, request, options.userAgent);
    } catch (error) {
      return { latencyMs: 0, error: `Refused: ${(error as Error).message}` };
    }
    const body = new TextEncoder().encode(request.body);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const tls = url.protocol === "https:" ? { serverName: url.hostname.replace(/^\[|\]$/g, "") } : undefined;

    let connection: Connection | undefined;
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<AttemptResult>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        closeQuietly(connection);
        resolve({ latencyMs: elapsed(), error: `Timed out after ${options.timeoutMs} ms.` });
      }, options.timeoutMs);
    });
    const attempt = (async (): Promise<AttemptResult> => {
      try {
        connection = await connectToFirst(options.connect, hosts, port, tls);
        if (timedOut) closeQuietly(connection);
        const writer = connection.writable.getWriter();
        await writer.write(concat(head, body));
        writer.releaseLock();
        const status = await readStatus(connection.readable, Math.max(options.maxResponseBytes, HEADER_READ_FLOOR));
        if (status >= 200 && status < 300) return { statusCode: status, latencyMs: elapsed() };
        return { statusCode: status, latencyMs: elapsed(), error: status >= 300 && status < 400 ? "Redirects are not followed." : `HTTP ${status}` };
      } catch (error) {
        return { latencyMs: elapsed(), error: `Connection failed: ${describe(error)}` };
      } finally {
        closeQuietly(connection);
      }
    })();
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Each checked address in turn until one accepts the connection (the last error otherwise). */
async function connectToFirst(connect: Connect, hosts: string[], port: number, tls: ConnectTarget["tls"]): Promise<Connection> {
  let lastError: unknown = new Error("no address");
  for (const host of hosts) {
    try {
      return await connect({ host, port, tls });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function requestHead(url: URL, request: OutboundRequest, userAgent = "crm-activity-api-webhooks/1"): Uint8Array {
  const headers: Record<string, string> = {
    host: url.host,
    "content-type": "application/json",
    "user-agent": userAgent,
    ...Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
    "content-length": String(new TextEncoder().encode(request.body).byteLength),
    connection: "close",
  };
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || /[\0\r\n]/.test(value)) throw new Error(`header ${JSON.stringify(name)} cannot be sent.`);
    lines.push(`${name}: ${value}`);
  }
  return new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`);
}

/** The final status code (interim 1xx answers skipped), reading at most `limit` bytes. */
async function readStatus(readable: ReadableStream<Uint8Array>, limit: number): Promise<number> {
  const reader = readable.getReader();
  let buffered = "";
  let read = 0;
  try {
    for (;;) {
      const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(buffered);
      if (head) {
        const status = Number(head[1]);
        if (status >= 200 || status === 101) return status;
        const end = buffered.indexOf("\r\n\r\n");
        if (end !== -1) {
          buffered = buffered.slice(end + 4);
          continue;
        }
      } else if (buffered.length >= 12 && !/^HTTP\/1\.[01] \d{3}/.test(buffered)) {
        throw new Error("the answer is not HTTP/1.x");
      }
      if (read > limit) throw new Error(`no complete status in the first ${limit} bytes of the answer`);
      const { done, value } = await reader.read();
      if (done) throw new Error("the connection closed before a status line");
      read += value.byteLength;
      buffered += new TextDecoder("latin1").decode(value);
    }
  } finally {
    reader.releaseLock();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a, 0);
  joined.set(b, a.byteLength);
  return joined;
}

function closeQuietly(connection: Connection | undefined): void {
  try {
    connection?.close();
  } catch {
    // Already closed.
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string }).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
