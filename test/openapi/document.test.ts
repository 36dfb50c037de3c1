// The OpenAPI document is generated, not written: it lists exactly the routes the app serves, each
// with the scope its key needs and exactly the statuses and error codes it can answer, and its
// field rules are the valibot schemas' (a check whose rule it cannot state fails generation).

import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import { DEMO_CONTACT_ID, DEMO_DEAL_ID, DEMO_USER_ID } from "../../functions/_node/demo-seed.ts";
import type { Database } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { createSchemaConverter } from "../../functions/api-gateway/openapi/json-schema.ts";
import { TITLE_MAX_CODE_POINTS } from "../../functions/api-gateway/routes/activities/schema.ts";
import { apiDocument } from "../../functions/api-gateway/routes/index.ts";
import { SCALAR_BUNDLE_PATH, SCALAR_VERSION } from "../../functions/api-gateway/routes/reference/scalar-bundle.ts";
import { createServices } from "../../functions/api-gateway/services.ts";

const document = apiDocument();
type AnyObject = Record<string, any>;
const operation = (path: string, method: string): AnyObject => document.paths[path]![method]!;
const statuses = (path: string, method: string) => Object.keys(operation(path, method).responses).map(Number);
const codesAt = (path: string, method: string, status: number): string[] =>
  operation(path, method).responses[status].content["application/json"].schema.allOf[1].properties.error.properties.code.enum;

describe("coverage", () => {
  test("every route the app serves is in the document, and every documented operation is served", () => {
    const app = createApp(createServices(parseEnv(GatewayEnvSchema, {}), {} as Database, { logger: silentLogger }), {
      scalarBundle: { version: SCALAR_VERSION, load: async () => ({ body: new Uint8Array(), gzip: new Uint8Array() }) },
    });
    // One entry per handler (middleware included); "ALL" entries are the 405s and the request context.
    const served = [
      ...new Set(
        app.routes
          .filter((route) => route.method !== "ALL" && route.path !== SCALAR_BUNDLE_PATH)
          .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
      ),
    ];
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(served.sort()).toEqual(documented.sort());
    expect(documented).toHaveLength(18);
  });

  test("each /v1 operation states the key scope it needs; the reference is public", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item) as Array<[string, AnyObject]>) {
        if (path === "/v1/openapi.json" || path === "/docs") {
          expect(op.security, `${method} ${path}`).toEqual([]);
          continue;
        }
        const [requirement] = op.security as Array<{ apiKey: string[] }>;
        const scope = requirement!.apiKey[0]!;
        expect(scope).toMatch(/^(activities|webhooks):(read|write)$/);
        expect(scope.endsWith(method === "get" ? ":read" : ":write"), `${method} ${path} needs ${scope}`).toBe(true);
        expect(op.description).toContain(`\`${scope}\` scope`);
      }
    }
    expect(document.components.securitySchemes).toEqual({ apiKey: expect.objectContaining({ type: "http", scheme: "bearer" }) });
  });

  test("the servers are the public prefix (on the serving host) and npm start's address", () => {
    expect((document.servers as Array<{ url: string }>).map((server) => server.url)).toEqual(["/functions/v1/api-gateway", "http://127.0.0.1:54321"]);
  });
});

describe("statuses and error codes: the route's table plus its middleware's, nothing else", () => {
  test("POST /v1/activities", () => {
    expect(statuses("/v1/activities", "post")).toEqual([201, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503]);
    expect(codesAt("/v1/activities", "post", 400)).toEqual(["invalid_json", "invalid_field", "missing_required_field", "metadata_too_large"]);
    expect(codesAt("/v1/activities", "post", 404)).toEqual(["contact_not_found", "deal_not_found"]);
    expect(codesAt("/v1/activities", "post", 401)).toEqual(["invalid_key"]);
    expect(codesAt("/v1/activities", "post", 409)).toEqual(["idempotency_key_in_progress"]);
    expect(codesAt("/v1/activities", "post", 422)).toEqual(["idempotency_key_reused"]);
  });

  test("Idempotency-Key: the request header, 409/422, Retry-After on the 409 and Idempotent-Replayed on the success, where a POST creates something", () => {
    const creating = [
      ["/v1/activities", 201],
      ["/v1/webhook_endpoints", 201],
      ["/v1/webhook_endpoints/{id}/rotate_secret", 200],
    ] as const;
    for (const [path, status] of creating) {
      const op = operation(path, "post");
      const header = (op.parameters as AnyObject[]).find((p) => p.in === "header");
      expect(header).toMatchObject({ name: "Idempotency-Key", required: false, schema: { type: "string", pattern: "^[\\x20-\\x7e]{1,255}$" } });
      expect(header!.description).toContain("24 hours");
      expect(op.responses[status].headers["Idempotent-Replayed"]).toMatchObject({ schema: { const: "true" } });
      expect(codesAt(path, "post", 409)).toContain("idempotency_key_in_progress");
      expect(codesAt(path, "post", 422)).toEqual(["idempotency_key_reused"]);
      expect(op.responses[409].headers["Retry-After"]).toMatchObject({ required: false, schema: { type: "integer", minimum: 1 } });
    }
    const retry = operation("/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry", "post");
    expect(retry.parameters.some((p: AnyObject) => p.name === "Idempotency-Key")).toBe(false);
    expect(retry.responses[422]).toBeUndefined();
    expect(operation("/v1/activities", "post").description).toContain("Idempotency-Key");
    expect(operation("/v1/activities", "post").description).not.toContain("no `Idempotency-Key`");
  });

  test("GET /v1/activities/{id}: no body, so no 400/413/415", () => {
    expect(statuses("/v1/activities/{id}", "get")).toEqual([200, 401, 403, 404, 429, 500, 503]);
    expect(codesAt("/v1/activities/{id}", "get", 404)).toEqual(["activity_not_found"]);
  });

  test("batch, PATCH and DELETE of activities: their statuses and codes; PATCH may also answer 204", () => {
    expect(statuses("/v1/activities/batch", "post")).toEqual([201, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503]);
    expect(codesAt("/v1/activities/batch", "post", 422)).toEqual(["idempotency_key_reused"]);
    expect(codesAt("/v1/activities/batch", "post", 404)).toEqual(["contact_not_found", "deal_not_found"]);
    expect(statuses("/v1/activities/{id}", "patch")).toEqual([200, 204, 400, 401, 403, 404, 413, 415, 429, 500, 503]);
    expect(codesAt("/v1/activities/{id}", "patch", 404)).toEqual(["activity_not_found", "contact_not_found", "deal_not_found"]);
    expect(statuses("/v1/activities/{id}", "delete")).toEqual([204, 401, 403, 404, 429, 500, 503]);
    expect(operation("/v1/activities/{id}", "delete").responses[204].content).toBeUndefined();
  });

  test("webhooks: every event type an endpoint may subscribe to is described, with its body", () => {
    const webhooks = document.webhooks as Record<string, { post: AnyObject }>;
    expect(Object.keys(webhooks)).toEqual(["activity.created", "activity.updated", "activity.deleted"]);
    const subscribable = (document.components.schemas as AnyObject).CreateWebhookEndpointRequest.properties.events.items.enum;
    expect(subscribable).toEqual(["*", ...Object.keys(webhooks)]);
    const updated = webhooks["activity.updated"]!.post.requestBody.content["application/json"].schema;
    expect(updated.properties.data.required).toEqual(["activity", "previous_attributes"]);
  });

  test("webhook endpoints: query validation, 409s where the database raises them", () => {
    expect(codesAt("/v1/webhook_endpoints", "get", 400)).toEqual(["invalid_field"]);
    expect(codesAt("/v1/webhook_endpoints", "post", 409)).toEqual(["idempotency_key_in_progress", "webhook_endpoint_limit_reached"]);
    expect(codesAt("/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry", "post", 409)).toEqual(["webhook_endpoint_disabled"]);
    expect(statuses("/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry", "post")).toContain(202);
  });

  test("the public routes: 200, or a 500", () => {
    expect(statuses("/v1/openapi.json", "get")).toEqual([200, 500]);
    expect(Object.keys(operation("/docs", "get").responses[200].content)).toEqual(["text/html"]);
  });

  test("headers: request id everywhere, Location on 201, Retry-After on 429/503, rate limit on keyed responses", () => {
    const responses = operation("/v1/activities", "post").responses;
    for (const response of Object.values(responses) as AnyObject[]) expect(response.headers["X-Request-Id"]).toBeDefined();
    expect(responses[201].headers.Location).toEqual({ $ref: "#/components/headers/Location" });
    expect(responses[201].headers["RateLimit-Policy"].required).toBe(true);
    for (const name of ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"]) expect(responses[429].headers[name].required).toBe(true);
    expect(responses[429].headers["Retry-After"]).toBeDefined();
    expect(responses[503].headers["Retry-After"]).toBeDefined();
    expect(responses[401].headers["WWW-Authenticate"]).toBeDefined();
    expect(operation("/docs", "get").responses[200].headers["RateLimit-Limit"]).toBeUndefined();
  });
});

describe("rules and examples come from the schemas and the public doc", () => {
  const request = document.components.schemas!.CreateActivityRequest as AnyObject;

  test("the activity body: required type, closed object, code-point lengths, the 8192-byte metadata limit", () => {
    expect(request.required).toEqual(["type"]);
    expect(request.additionalProperties).toBe(false);
    expect(request.properties.title).toMatchObject({ type: ["string", "null"], maxLength: TITLE_MAX_CODE_POINTS });
    expect(request.properties.title.description).toContain("code points");
    expect(request.properties.metadata).toMatchObject({ type: ["object", "null"] });
    expect(request.properties.metadata.description).toContain("8192 bytes");
    expect(request.properties.contact_id).toMatchObject({ format: "uuid" });
    // entity_id is the doc's "UUID of the polymorphic entity"; metadata's exactness and number rule are stated.
    expect(request.properties.entity_id).toMatchObject({ type: ["string", "null"], format: "uuid" });
    expect(request.properties.entity_id.pattern).toBeDefined();
    expect(request.properties.metadata.description).toContain("same keys in the same order");
    expect(request.properties.metadata.description).toContain("2^53");
    // metadata is open: any keys (a generator reads a bare "object" as one without properties).
    expect(request.properties.metadata.additionalProperties).toBe(true);
    expect(request.dependentRequired).toEqual({ entity_type: ["entity_id"], entity_id: ["entity_type"] });
  });

  test("ids and times in the responses state their formats", () => {
    const schemas = document.components.schemas as Record<string, AnyObject>;
    const format = (schema: string, property: string) => schemas[schema]!.properties[property].format;
    for (const property of ["contact_id", "deal_id", "created_by_user_id"]) expect(format("Activity", property), property).toBe("uuid");
    expect(format("Activity", "created_date")).toBe("date-time");
    expect(format("ActivityCreatedEvent", "timestamp")).toBe("date-time");
    expect(format("WebhookEndpoint", "created_date")).toBe("date-time");
    expect(format("WebhookEndpointWithSecret", "created_date")).toBe("date-time");
    expect(format("Delivery", "created_date")).toBe("date-time");
    expect(format("DeliveryAttempt", "date")).toBe("date-time");
  });

  test("webhook endpoint bodies state their limits", () => {
    const schemas = document.components.schemas as Record<string, AnyObject>;
    expect(schemas.CreateWebhookEndpointRequest!.properties.description).toMatchObject({ maxLength: 500 });
    expect(schemas.UpdateWebhookEndpointRequest).toMatchObject({ minProperties: 1 });
  });

  test("query parameters are documented as the numbers they spell", () => {
    const [limit, startingAfter] = operation("/v1/webhook_endpoints", "get").parameters as AnyObject[];
    expect(limit).toEqual({ name: "limit", in: "query", required: false, description: "Page size.", schema: { type: "integer", default: 20, minimum: 1, maximum: 100 } });
    expect(startingAfter).toMatchObject({ name: "starting_after", in: "query", required: false, schema: { type: "string", pattern: expect.stringMatching(/^\^we_/) } });
  });

  test("the timeline listings: their filters as query parameters, one page shape, the contact's and the deal's 404", () => {
    const parameters = (path: string) => Object.fromEntries((operation(path, "get").parameters as AnyObject[]).map((p) => [`${p.in} ${p.name}`, p.schema]));
    const filters = ["entity_type", "entity_id", "type", "created_after", "created_before", "limit", "starting_after"].map((name) => `query ${name}`);
    expect(Object.keys(parameters("/v1/activities"))).toEqual(["query contact_id", "query deal_id", ...filters]);
    expect(Object.keys(parameters("/v1/contacts/{contact_id}/activities"))).toEqual(["path contact_id", "query deal_id", ...filters]);
    expect(Object.keys(parameters("/v1/deals/{deal_id}/activities"))).toEqual(["path deal_id", "query contact_id", ...filters]);
    const query = parameters("/v1/activities");
    expect(query["query type"]).toMatchObject({ type: "array", items: { type: "string", pattern: expect.stringContaining(",") } });
    expect(query["query created_after"]).toMatchObject({ type: "string", format: "date-time" });
    expect(query["query entity_id"]).toMatchObject({ type: "string", format: "uuid" });
    expect(query["query limit"]).toEqual({ type: "integer", default: 25, minimum: 1, maximum: 100 });
    expect(query["query starting_after"]).toMatchObject({ pattern: expect.stringMatching(/^\^act_/) });
    for (const path of ["/v1/activities", "/v1/contacts/{contact_id}/activities", "/v1/deals/{deal_id}/activities"]) {
      expect(operation(path, "get").responses[200].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ActivityList" });
      expect(codesAt(path, "get", 400)).toEqual(["invalid_field"]);
      expect(Object.values(operation(path, "get").security[0])).toEqual([["activities:read"]]);
    }
    expect(document.components.schemas!.ActivityList).toMatchObject({ required: ["data", "has_more", "next_cursor"] });
    expect(statuses("/v1/activities", "get")).not.toContain(404);
    expect(codesAt("/v1/contacts/{contact_id}/activities", "get", 404)).toEqual(["contact_not_found"]);
    expect(codesAt("/v1/deals/{deal_id}/activities", "get", 404)).toEqual(["deal_not_found"]);
  });

  test("the request and response examples of POST /v1/activities are the public doc's", async () => {
    const op = operation("/v1/activities", "post");
    const example = op.requestBody.content["application/json"].example;
    expect(example).toEqual({
      type: "call",
      title: "Discovery call with Jane",
      description: "Discussed Q2 outsourcing plans; next step is proposal.",
      contact_id: "123e4567-e89b-12d3-a456-426614174000",
      deal_id: "3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a",
      metadata: { duration_minutes: 32, direction: "outbound" },
    });
    const response = op.responses[201].content["application/json"].example;
    expect(response.data.activity).toMatchObject({ id: "act_7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d", created_date: "2026-04-17T14:23:05Z" });
    // The demo workspace carries the doc's ids, so the example works verbatim against `npm start`…
    expect([example.contact_id, example.deal_id, response.data.activity.created_by_user_id]).toEqual([DEMO_CONTACT_ID, DEMO_DEAL_ID, DEMO_USER_ID]);
    // …as the README's quick start shows it: its curl sends this very body.
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("<!-- section: api -->"));
    const curlBody = /-d '([^']+)'/.exec(quickStart)?.[1];
    expect(curlBody, "the README's quick start has a curl with -d '…'").toBeDefined();
    expect(JSON.parse(curlBody!)).toEqual(example);
  });

  test("the document is plain JSON: what is served is what was generated", () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
    expect(apiDocument()).toEqual(document);
  });
});

describe("the converter refuses to say less than the server checks", () => {
  const converter = createSchemaConverter({});

  test("a v.check without a stated rule fails generation; with v.metadata it converts", () => {
    expect(() => converter.convert(v.pipe(v.string(), v.check((s) => s.length < 3)), "probe")).toThrow(/probe.*runtime check/);
    expect(converter.convert(v.pipe(v.string(), v.check((s) => s.length < 3), v.metadata({ maxLength: 2 })), "probe")).toEqual({ type: "string", maxLength: 2 });
  });

  test("so does a v.custom schema, nested anywhere", () => {
    const custom = v.custom<Date>((value) => value instanceof Date);
    expect(() => converter.convert(v.strictObject({ at: v.optional(custom) }), "probe")).toThrow(/probe\/properties\/at/);
  });

  test("a regex flag is not dropped silently", () => {
    expect(() => converter.convert(v.pipe(v.string(), v.regex(/^a$/i)), "probe")).toThrow(/flags/);
  });
});

test("the Scalar version the edge pages load from the CDN is the one installed and pinned", async () => {
  const installed = JSON.parse(await readFile(new URL("../../node_modules/@scalar/api-reference/package.json", import.meta.url), "utf8")) as { version: string };
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { devDependencies: Record<string, string> };
  expect(installed.version).toBe(SCALAR_VERSION);
  expect(pkg.devDependencies["@scalar/api-reference"]).toBe(SCALAR_VERSION);
});
