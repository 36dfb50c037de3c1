// Hostile input (issue 12): a property-based fuzzer (fast-check) sends at least 10,000 generated
// requests to every route of the app (taken from its own operation list) on the real Node
// server, PostgreSQL and Redis behind the Upstash client: bodies of wrong types, huge and deeply
// nested JSON, NUL and lone surrogates, Unicode edge cases, duplicate keys, injection strings;
// headers (content types, content codings, authorization forms, idempotency keys); paths (ids of
// this workspace and another, malformed ids, percent-encoding, the public prefixes). Promises:
// no 5xx; every 4xx in the one error shape with its X-Request-Id; and nothing written by a
// request that was refused (the whole database compared before and after, support/writes.ts).

import fc from "fast-check";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ErrorBodySchema } from "../../functions/_shared/errors.ts";
import type { Workspace } from "../support/fixtures.ts";
import type { NodeServer } from "../support/node-server.ts";
import { serviceAvailable } from "../support/services.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { printFigures } from "./support/figures.ts";
import { declaredNames, describeOperation, fillPath, OPERATIONS, type Operation, pathParamNames } from "./support/routes.ts";
import { SecretWatch } from "./support/secrets.ts";
import { type ApiClient, answer, type Stack, startStack, subscribe, type WatchedFixtures } from "./support/stack.ts";
import { changes, snapshotTables, unexplained, type Snapshot } from "./support/writes.ts";

/** Generated requests in all; each route gets its share, the unrouted paths one share more. */
const CASES = 10_400;
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
// The contract suites' limit: huge bodies cost 64 KiB each, not 1 MiB, and still cross it.
const BODY_LIMIT = 64 * 1024;

const available = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** What the body is, for a failure message (the body itself may be megabytes). */
  bodyKind: string;
}

const PREFIXES = ["", "", "", "/functions/v1/api-gateway", "/api-gateway", "/FUNCTIONS/v1/api-gateway", "/functions/v1/api-gateway/"];

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes EF BF BD, as fetch would send it). */
function encodeSegment(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((byte) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}

/** What a header value may hold (fetch refuses control characters other than tab). */
const printable = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, "");

describe.skipIf(!available)(`hostile input: ${CASES} generated requests to every route`, () => {
  const watch = new SecretWatch();
  let database: TestDatabase;
  let fixtures: WatchedFixtures;
  let stack: Stack;
  let server: NodeServer;
  let api: ApiClient;
  let a: Workspace;
  let b: Workspace;
  let before: Snapshot;
  const keys: Record<string, string> = {};
  const ids: string[] = [];
  /** The resources of the workspace whose keys the fuzzer mostly uses. */
  const ownIds: string[] = [];
  const fixtureIds = new Set<string>();
  const successfulWrites: string[] = [];
  const tally = { generated: 0, requests: 0, notSendable: 0, slowest: [] as Array<{ ms: number; request: string }>, byStatus: {} as Record<number, number>, byCode: {} as Record<string, number>, shrunk: 0 };

  beforeAll(async () => {
    stack = await startStack({
      database: "resilience_fuzz",
      name: "the fuzzed server",
      watch,
      env: {
        RATE_LIMIT_REQUESTS: "1000000",
        // Made-up keys reach the database (so its refusals are fuzzed too), not the address limit.
        RATE_LIMIT_REFUSED_KEYS: "1000000",
        BODY_LIMIT_BYTES: String(BODY_LIMIT),
        // Endpoint URLs are checked for syntax only (no DNS: loopback only), and no dispatcher
        // sends to whatever URL the fuzzer made up.
        WEBHOOKS_ALLOW_INSECURE: "1",
        WEBHOOKS_DISPATCHER: "0",
      },
    });
    ({ database, fixtures, server, api } = stack);
    a = await fixtures.workspace();
    b = await fixtures.workspace();
    for (const ws of [a, b]) for (const id of Object.values(ws)) fixtureIds.add(id);
    keys.all = await fixtures.key(a, { scopes: ["activities:write", "activities:read", "webhooks:write", "webhooks:read"] });
    for (const scope of ["activities:write", "activities:read", "webhooks:write", "webhooks:read"] as const) keys[scope] = await fixtures.key(a, { scopes: [scope] });
    keys.other = await fixtures.key(b, { scopes: ["activities:write", "activities:read", "webhooks:write", "webhooks:read"] });
    keys.revoked = await fixtures.key(a, { revoked: true });
    keys.expired = await fixtures.key(a, { expiresAt: new Date(Date.now() - 60_000) });
    // Resources of both workspaces for the paths to name: an endpoint, an activity, its delivery.
    for (const [n, key] of [keys.all, keys.other].entries()) {
      const endpoint = await subscribe(api, key, "http://127.0.0.1:9/hook", watch);
      const activity = await api.call("POST", "/v1/activities", { key, body: { type: "note" } });
      const deliveries = await api.call("GET", `/v1/webhook_endpoints/${endpoint.id}/deliveries`, { key });
      ids.push(endpoint.id, activity.json.data.activity.id, deliveries.json.data.deliveries[0].id);
      if (n === 0) ownIds.push(endpoint.id, activity.json.data.activity.id, deliveries.json.data.deliveries[0].id);
    }
    before = await snapshotTables(database.admin);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  // ---- the generators ----------------------------------------------------------------------

  const canary = () => watch.canary();
  const INJECTIONS = [
    "'; drop table app.activities; --",
    "' or '1'='1",
    "\"); select pg_sleep(5); --",
    "$1",
    "%s%s%s%n",
    "${jndi:ldap://127.0.0.1/x}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "\\u0000",
    "act_00000000-0000-0000-0000-000000000000",
    "null",
    "__proto__",
    "constructor",
  ];
  const EDGE_CHARACTERS = ["\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "\ufeff", "\ufffe", "\uffff", "\u202e", "\u2028", "\u2029", "\u0085", "\u200b", "e\u0301", "👩‍👩‍👧‍👦", "𝕏", "\u{10ffff}", "\r\n", "\t", "\\", '"'];
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_CHARACTERS) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  );
  // Names, query values: text a client may see again in an error (`param`, a quoted id).
  const hostileText = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit, maxLength: 40 }) },
    { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  );
  // Values in a body, sometimes a canary: no error body or log may ever repeat one.
  const hostileString = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit, maxLength: 40 }) },
    { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
    { weight: 2, arbitrary: fc.constant(null).map(canary) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...EDGE_CHARACTERS, "a", "é"), fc.integer({ min: 200, max: 70_000 })).map(([c, n]) => c.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "call", "https://example.com/hook", "http://127.0.0.1:9/x", "activity.created", "*") },
  );
  const deep = (depth: number, open: string, close: string, inner = "1") => open.repeat(depth) + inner + close.repeat(depth);
  const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 5, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(2 ** 53 + 1), fc.constant(-0)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.dictionary(hostileText, hostileString, { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 100_000 }).map((n) => JSON.parse(deep(Math.min(n, 2_000), "[", "]"))) },
  );

  /** A JSON text, possibly broken on purpose, from `example` (the operation's own example body). */
  const jsonBody = (example: Record<string, unknown>, fields: string[]) => {
    const names = [...new Set([...fields, ...Object.keys(example), "metadata", "type", "url"])];
    const field = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: hostileText });
    return fc.oneof(
      // The example with fields replaced, removed or added.
      {
        weight: 8,
        arbitrary: fc
          .tuple(fc.array(fc.tuple(field, hostileJson), { maxLength: 3 }), fc.subarray(Object.keys(example)))
          .map(([set, removed]) => {
            const body: Record<string, unknown> = { ...example };
            for (const name of removed) delete body[name];
            for (const [name, value] of set) body[name] = value;
            return { kind: `example with ${set.map(([n]) => JSON.stringify(n).slice(0, 30)).join(", ")} set`, text: JSON.stringify(body) };
          }),
      },
      // The example as sent, valid: the requests that should get through, and write.
      { weight: 2, arbitrary: fc.constant(null).map(() => ({ kind: "the example", text: JSON.stringify({ ...example, ...(example.description === undefined ? {} : { description: canary() }) }) })) },
      // Duplicate keys: the last one wins in JSON.parse; the first is often the valid one.
      {
        weight: 2,
        arbitrary: fc.tuple(field, hostileJson).map(([name, value]) => {
          const inner = JSON.stringify(example).slice(1, -1);
          return { kind: `duplicate key ${JSON.stringify(name).slice(0, 30)}`, text: `{${inner}${inner ? "," : ""}${JSON.stringify(name)}:${JSON.stringify(value)},${JSON.stringify(name)}:${JSON.stringify(example[name as string] ?? "x")}}` };
        }),
      },
      // Deep nesting in a field, or as the whole body.
      {
        weight: 2,
        arbitrary: fc.tuple(field, fc.integer({ min: 50, max: 60_000 }), fc.boolean()).map(([name, depth, objects]) => {
          const nested = objects ? deep(depth, '{"a":', "}") : deep(depth, "[", "]");
          return { kind: `depth ${depth}`, text: `{${JSON.stringify(name)}:${nested}}` };
        }),
      },
      // Huge: around the body limit, as whitespace, as one string, or as many fields.
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom(0.5, 0.99, 1, 1.01, 2), fc.constantFrom("space", "string", "fields")).map(([factor, how]) => {
          const size = Math.floor(BODY_LIMIT * factor);
          const json = JSON.stringify(example);
          const text =
            how === "space"
              ? json + " ".repeat(Math.max(0, size - json.length))
              : how === "string"
                ? JSON.stringify({ ...example, description: "d".repeat(size) })
                : JSON.stringify(Object.fromEntries(Array.from({ length: Math.floor(size / 12) }, (_, i) => [`f${i}`, i])));
          return { kind: `${how} of ${factor} × the limit`, text };
        }),
      },
      // Not a JSON object.
      {
        weight: 2,
        arbitrary: fc
          .oneof(
            fc.constantFrom("", " ", "null", "[]", "1", '"x"', "{", '{"type":', "{'type':'call'}", '{"type":NaN}', '{"type":"call",}', "\ufeff{}", "true", "1e999"),
            fc.string({ unit, maxLength: 60 }),
          )
          .map((text) => ({ kind: `text ${JSON.stringify(text).slice(0, 30)}`, text })),
      },
    );
  };

  const rawBody = fc.constantFrom(
    { kind: "invalid UTF-8", bytes: Uint8Array.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    { kind: "UTF-8 encoded surrogate", bytes: Uint8Array.from([0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]) },
    { kind: "overlong NUL", bytes: Uint8Array.from([0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]) },
    { kind: "UTF-16LE", bytes: Uint8Array.from(Buffer.from('{"type":"call"}', "utf16le")) },
  );

  const authorization = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("all", "all", "activities:write", "activities:read", "webhooks:write", "webhooks:read", "other", "revoked", "expired").map((name) => `Bearer ${keys[name]}`) },
    { weight: 1, arbitrary: fc.constantFrom("all").map((name) => `bearer ${keys[name]}`) },
    { weight: 1, arbitrary: fc.constantFrom("all").map((name) => `Bearer  ${keys[name]}`) },
    { weight: 1, arbitrary: fc.constantFrom("all").map((name) => `Basic ${Buffer.from(`${keys[name]}:`).toString("base64")}`) },
    { weight: 1, arbitrary: fc.constantFrom("all").map((name) => `Bearer ${keys[name]}x`) },
    { weight: 1, arbitrary: fc.constantFrom("all").map((name) => `Bearer ${keys[name]!.slice(0, -1)}`) },
    { weight: 1, arbitrary: fc.constantFrom("all").map((name) => `Bearer ${keys[name]}, Bearer ${keys.other}`) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 50 }).map((text) => `Bearer wbk_${text}`) },
    { weight: 1, arbitrary: fc.constantFrom("", "Bearer", "Bearer ", "Bearer wbk_", "Token abc", "wbk_", "Bearer null", "Bearer ' or 1=1 --") },
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 80 }).map(printable) },
  );
  const CONTENT_TYPES = [
    "application/json", "application/json", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON; Charset=\"UTF-8\"",
    "application/json; charset=utf-16", "application/json; charset=latin1", "application/merge-patch+json", "application/vnd.api+json",
    "text/plain", "text/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "application/json;;",
    "", "*/*", "application/json\u00e9",
  ];
  const headerValue = fc.oneof(
    fc.string({ unit: "binary-ascii", maxLength: 80 }).map(printable),
    fc.constantFrom("", " ", "0", "-1", "\u00e9\u00ff", "a".repeat(255), "a".repeat(256), "a".repeat(5000), "00000000-0000-0000-0000-000000000000", "null", "' or 1=1 --"),
  );
  // Mostly a well-formed request (the all-scopes key, JSON) with one or two headers made hostile,
  // so that most requests reach the stage the fuzzed part is for.
  const headerMutation = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constant("authorization"), authorization) },
    { weight: 4, arbitrary: fc.tuple(fc.constant("content-type"), fc.constantFrom(...CONTENT_TYPES)) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("content-encoding"), fc.constantFrom("gzip", "br", "deflate", "identity", "", "gzip, identity", "x-unknown")) },
    { weight: 4, arbitrary: fc.tuple(fc.constant("idempotency-key"), headerValue) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("accept", "accept-charset", "accept-encoding"), fc.constantFrom("application/json", "text/html", "*/*", "application/xml", "", "gzip")) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("x-api-key"), fc.constantFrom("all", "other").map((name) => keys[name]!)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("x-forwarded-for", "x-real-ip", "forwarded"), fc.constantFrom("1.2.3.4", "::1", "garbage", "")) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("x-request-id", "prefer", "if-match"), headerValue) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("x-large"), fc.constantFrom(15_000, 17_000, 70_000).map((n) => "a".repeat(n))) },
  );
  const headers = fc.array(headerMutation, { maxLength: 2 }).map((mutations) => {
    const set: Record<string, string> = { authorization: `Bearer ${keys.all}`, "content-type": "application/json" };
    for (const [name, value] of mutations) set[name] = value;
    return set;
  });

  const segment = fc.oneof(
    { weight: 4, arbitrary: fc.constant(null).map(() => ids) .chain((pool) => fc.constantFrom(...pool)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("act_", "we_", "del_", "evt_", "", "ACT_"), fc.uuid()).map(([prefix, id]) => prefix + id) },
    { weight: 3, arbitrary: fc.oneof(fc.string({ unit, maxLength: 60 }), fc.constantFrom(...INJECTIONS), fc.constantFrom("..", ".", "%", "%zz", "%00", "%2F", "%ED%A0%80", "a".repeat(2000))).map((text) => (/^%|^\.\.?$/.test(text) ? text : encodeSegment(text))) },
  );
  /** Mostly an id of the right kind in the fuzzing key's workspace, so the request gets past the path to its body. */
  const segmentFor = (operation: Operation, name: string) => {
    const code = (operation.params as Record<string, { notFound: { code: string } }> | undefined)?.[name]?.notFound.code ?? "";
    const prefix = { activity_not_found: "act_", webhook_endpoint_not_found: "we_", delivery_not_found: "del_" }[code];
    return fc.oneof(
      { weight: 5, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...ownIds.filter((id) => prefix !== undefined && id.startsWith(prefix)), ...(prefix ? [] : ids))) },
      { weight: 4, arbitrary: segment },
    );
  };
  const query = (operation: Operation) => {
    const names = [...declaredNames(operation.query), "limit", "starting_after", "ending_before", "cursor", "type"];
    const value = fc.oneof(fc.constantFrom("1", "0", "-1", "100", "101", "1e2", "0x10", " 5", "", "1.5", "99999999999999999999"), segment, hostileText.map((text) => encodeSegment(text)));
    return fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.map(([n, val]) => `${n}=${val}`).join("&")}` : ""));
  };

  const requestFor = (operation: Operation): fc.Arbitrary<FuzzRequest> => {
    const params = pathParamNames(operation);
    const example = (operation.body?.example ?? {}) as Record<string, unknown>;
    const method = fc.oneof({ weight: 9, arbitrary: fc.constant(operation.method.toUpperCase()) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") });
    const body = fc.oneof(
      { weight: 12, arbitrary: jsonBody(example, declaredNames(operation.body?.schema)).map(({ kind, text }) => ({ kind, body: text as string | Uint8Array })) },
      { weight: 1, arbitrary: rawBody.map(({ kind, bytes }) => ({ kind, body: bytes as string | Uint8Array })) },
    );
    return fc
      .record({
        method,
        prefix: fc.constantFrom(...PREFIXES),
        values: fc.tuple(...params.map((name) => segmentFor(operation, name)), fc.constant(null)),
        trailing: fc.constantFrom("", "", "", "", "", "", "", "", "/", "//"),
        query: query(operation),
        headers,
        body,
      })
      .map(({ method, prefix, values, trailing, query, headers, body }) => {
        const path = fillPath(operation, Object.fromEntries(params.map((name, i) => [name, values[i] as string])));
        const sendsBody = !["GET", "HEAD"].includes(method);
        return {
          method,
          path: `${prefix.replace(/\/$/, "")}${path}${trailing}${query}`,
          headers,
          body: sendsBody ? body.body : undefined,
          bodyKind: sendsBody ? body.kind : "none",
        };
      });
  };

  const unroutedRequest: fc.Arbitrary<FuzzRequest> = fc
    .record({
      method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
      segments: fc.array(fc.oneof(fc.constantFrom("v1", "v2", "activities", "webhook_endpoints", "deliveries", "functions", "api-gateway", "openapi.json", "docs"), segment), { minLength: 0, maxLength: 6 }),
      headers,
    })
    .map(({ method, segments, headers }) => ({ method, path: `/${segments.join("/")}`, headers, body: method === "GET" ? undefined : "{}", bodyKind: "{}" }));

  // ---- sending and judging -------------------------------------------------------------------

  async function send(request: FuzzRequest): Promise<void> {
    tally.generated++;
    const started = performance.now();
    let response: Response;
    try {
      // Appended, not resolved: a path starting with // must not become a host name (loopback only).
      const url = new URL(`${server.baseUrl.replace(/\/$/, "")}${request.path}`);
      if (url.host !== new URL(server.baseUrl).host) throw new Error(`not the server: ${url.href}`);
      response = await fetch(url, { method: request.method, headers: request.headers, body: request.body as BodyInit | undefined, redirect: "manual" });
    } catch (error) {
      // fetch itself refuses some header values and URLs; nothing reached the server.
      if (error instanceof TypeError && !(error as { cause?: unknown }).cause) {
        tally.notSendable++;
        return;
      }
      throw new Error(`no answer: ${String(error)} (cause ${String((error as { cause?: unknown }).cause)})`);
    }
    tally.requests++;
    const got = await answer(response, watch);
    const took = performance.now() - started;
    if (tally.slowest.length < 5 || took > tally.slowest[4]!.ms) {
      tally.slowest = [...tally.slowest, { ms: Math.round(took), request: `${got.status} ${described(request).slice(0, 160)}` }].sort((x, y) => y.ms - x.ms).slice(0, 5);
    }
    tally.byStatus[got.status] = (tally.byStatus[got.status] ?? 0) + 1;
    if (got.json?.error?.code) tally.byCode[got.json.error.code] = (tally.byCode[got.json.error.code] ?? 0) + 1;
    if (got.status >= 500) throw new Error(`${got.status}: ${got.text.slice(0, 300)}`);
    if (got.status >= 400) {
      const shape = v.safeParse(ErrorBodySchema, got.json);
      if (!shape.success) throw new Error(`${got.status} not in the error shape: ${got.text.slice(0, 300)}`);
      if (got.headers.get("x-request-id") !== got.json.error.request_id) throw new Error(`${got.status}: X-Request-Id differs from the body's request_id`);
      if (!/^application\/json/.test(got.headers.get("content-type") ?? "")) throw new Error(`${got.status} with Content-Type ${got.headers.get("content-type")}`);
    } else if (got.status < 300 && request.method !== "GET") {
      successfulWrites.push(`${request.path} ${got.text}`);
    }
  }

  // Printed with the figures and in failures: keys shown by their prefix only (wbk_…), so the run's
  // output holds no key either.
  const described = (request: FuzzRequest) =>
    `${request.method} ${request.path.slice(0, 200)} headers ${JSON.stringify(request.headers).replace(/(wbk_)[0-9A-Za-z]+/g, "$1…").slice(0, 400)} body: ${request.bodyKind}`;

  test("no 5xx, and every 4xx in the one error shape, on every route", async () => {
    const targets: Array<{ name: string; arbitrary: fc.Arbitrary<FuzzRequest> }> = [
      ...OPERATIONS.map((operation) => ({ name: describeOperation(operation), arbitrary: requestFor(operation) })),
      { name: "paths no route matches", arbitrary: unroutedRequest },
    ];
    const runs = Math.ceil(CASES / targets.length);
    const started = performance.now();
    const failures = (
      await Promise.all(
        targets.map(async ({ name, arbitrary }, i) => {
          const result = await fc.check(
            fc.asyncProperty(arbitrary, async (request) => {
              await send(request);
            }),
            { numRuns: runs, seed: SEED + i },
          );
          if (!result.failed) return undefined;
          tally.shrunk += result.numShrinks;
          const example = result.counterexample?.[0] as FuzzRequest | undefined;
          return `${name}: ${String(result.errorInstance)}\n  smallest request: ${example ? described(example) : "?"}\n  (seed ${result.seed}, path ${result.counterexamplePath})`;
        }),
      )
    ).filter((failure): failure is string => failure !== undefined);
    printFigures("hostile input", {
      routes: OPERATIONS.length,
      generated: tally.generated,
      requests_sent: tally.requests,
      generated_but_unsendable_by_fetch: tally.notSendable,
      cases_per_route: runs,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      statuses: tally.byStatus,
      error_codes: tally.byCode,
      successful_writes: successfulWrites.length,
      failed_properties: failures.length,
      seed: SEED,
      slowest: tally.slowest,
    });
    expect(failures).toEqual([]);
    expect(tally.requests).toBeGreaterThanOrEqual(10_000);
  }, 600_000);

  test("a refused request wrote nothing: every change in the database is a 2xx write's", async () => {
    const after = await snapshotTables(database.admin);
    const found = changes(before, after);
    const left = unexplained(found, successfulWrites, fixtureIds);
    printFigures("hostile input writes", { rows_changed: found.length, explained_by_2xx: found.length - left.length, unexplained: left.length });
    expect(left.map((change) => `${change.kind} ${change.key}: ${change.row.slice(0, 300)}`)).toEqual([]);
  });

  test("no API key, webhook secret or request body in any log record or error body", () => {
    printFigures("hostile input secrets", watch.counts);
    expect(watch.findings()).toEqual([]);
  });
});
