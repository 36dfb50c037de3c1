// The Node runner's webhook sender: node:http(s) with keep-alive agents instead of fetch —
// cheaper per request, and the address check happens inside the connection's own DNS lookup,
// so the address connected to is exactly the one checked (no window for DNS rebinding between
// check and connect). Same contract as the shared fetch sender: timeout, no redirects, at most
// maxResponseBytes read, never throws.

import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { AttemptResult, Sender } from "../_shared/webhooks/sender.ts";
import { addressProblem, type AddressVerdict, checkUrlSyntax, publicAddresses } from "../_shared/webhooks/url-policy.ts";

export interface NodeSenderOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  allowInsecure: boolean;
  concurrency: number;
  /** Every address of a host; node:dns by default (injectable for tests). */
  resolve?: (hostname: string) => Promise<string[]>;
  userAgent?: string;
}

class RefusedAddressError extends Error {}

export function createNodeSender(options: NodeSenderOptions): Sender & { close(): void } {
  const resolve = options.resolve ?? (async (host: string) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address));
  const checkedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    // Outside insecure mode a failed lookup is a refusal like a private answer, in the same
    // words: the recorded attempt must not tell which internal names exist.
    const answer: Promise<AddressVerdict> = options.allowInsecure
      ? resolve(hostname).then((addresses) => ({ ok: true, addresses }))
      : publicAddresses(hostname, resolve);
    answer.then(
      (verdict) => {
        if (!verdict.ok || verdict.addresses.length === 0) {
          callback(new RefusedAddressError(verdict.ok ? `url's host ${hostname} has no address.` : verdict.reason), "", 4);
          return;
        }
        const chosen = verdict.addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
        if (lookupOptions.all) callback(null, chosen);
        else callback(null, chosen[0]!.address, chosen[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 4),
    );
  };
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency, lookup: checkedLookup };
  const agents = { "http:": new http.Agent(agentOptions), "https:": new https.Agent(agentOptions) };

  const send: Sender = (request) =>
    new Promise<AttemptResult>((resolvePromise) => {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const syntax = checkUrlSyntax(request.url, options.allowInsecure);
      if (!syntax.ok) return resolvePromise({ latencyMs: 0, error: `Refused: ${syntax.reason}` });
      const url = syntax.url;
      // Without a resolver this judges only what needs none: IP literals and localhost names.
      // Other names are judged in the connection's own lookup.
      const literalCheck = options.allowInsecure ? Promise.resolve(undefined) : addressProblem(url.hostname, undefined);
      void literalCheck.then((problem) => {
        if (problem) return resolvePromise({ latencyMs: 0, error: `Refused: ${problem}` });
        let settled = false;
        const finish = (result: AttemptResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolvePromise(result);
        };
        const body = Buffer.from(request.body, "utf8");
        const outgoing = (url.protocol === "https:" ? https : http).request(url, {
          method: "POST",
          agent: agents[url.protocol as "http:" | "https:"],
          headers: {
            "content-type": "application/json",
            "content-length": String(body.byteLength),
            "user-agent": options.userAgent ?? "crm-activity-api-webhooks/1",
            ...request.headers,
          },
        });
        const timer = setTimeout(() => {
          finish({ latencyMs: elapsed(), error: `Timed out after ${options.timeoutMs} ms.` });
          outgoing.destroy();
        }, options.timeoutMs);
        outgoing.on("response", (response) => {
          const status = response.statusCode ?? 0;
          let read = 0;
          const done = () => {
            if (status >= 200 && status < 300) finish({ statusCode: status, latencyMs: elapsed() });
            else finish({ statusCode: status, latencyMs: elapsed(), error: status >= 300 && status < 400 ? "Redirects are not followed." : `HTTP ${status}` });
          };
          response.on("data", (chunk: Buffer) => {
            read += chunk.byteLength;
            if (read > options.maxResponseBytes) {
              response.destroy();
              done();
            }
          });
          response.on("end", done);
          response.on("error", done);
          response.on("close", done);
        });
        outgoing.on("error", (error: NodeJS.ErrnoException) => {
          if (error instanceof RefusedAddressError) finish({ latencyMs: 0, error: `Refused: ${error.message}` });
          else finish({ latencyMs: elapsed(), error: `Connection failed: ${error.code ?? error.message}` });
        });
        outgoing.end(body);
      });
    });

  return Object.assign(send, {
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  });
}
