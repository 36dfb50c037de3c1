// The operation pipeline with declarations the API does not use yet (the room the next routes
// need): ids in any accepted form, repeated query parameters, validated request headers, an
// operation's own body limit, a 204 without a body, declared response headers, coded checks,
// and the database call's read-only flag, plus what the document says about each. A minimal
// app; the database is a stub recording what it was asked.

import { Hono } from "hono";
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import type { Database, RpcRequest } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { ApiError, errorBody } from "../../functions/_shared/errors.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import type { AppEnv } from "../../functions/api-gateway/context.ts";
import { requestContext } from "../../functions/api-gateway/middleware/request-context.ts";
import { buildOpenApiDocument } from "../../functions/api-gateway/openapi/document.ts";
import { callRpc } from "../../functions/api-gateway/operation/database-call.ts";
import { defineOperation, type Resource, resourceOperations } from "../../functions/api-gateway/operation/declaration.ts";
import { registerOperations } from "../../functions/api-gateway/operation/pipeline.ts";
import { routingPath } from "../../functions/api-gateway/public-path.ts";
import { resourceId } from "../../functions/api-gateway/operation/resource-id.ts";
import { codedCheck } from "../../functions/api-gateway/operation/validation.ts";
import { createServices } from "../../functions/api-gateway/services.ts";

const UUID = "7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d";
const ThingId = resourceId({
  prefix: "thg",
  notFound: "activity_not_found",
  noun: "thing",
  within: "in this workspace",
  description: "A thing's id.",
  example: `thg_${UUID}`,
});

const getThing = defineOperation({
  method: "get",
  path: "/v1/things/{id}",
  operationId: "getThing",
  summary: "Get a thing",
  description: "Reads.",
  scope: null,
  params: { id: ThingId },
  query: v.object({ type: v.optional(v.array(v.string())), limit: v.optional(v.string()) }),
  success: { status: 200, description: "The thing.", schema: v.object({ id: v.string(), type: v.optional(v.array(v.string())), limit: v.optional(v.string()) }) },
  errors: {},
  async handler({ params, query }, c) {
    await callRpc(c, "get_activity", { id: params.id });
    return { body: { id: params.id, type: query.type, limit: query.limit } };
  },
});

const tooBig = (size: number) => size > 10;
const createThing = defineOperation({
  method: "post",
  path: "/v1/things",
  operationId: "createThing",
  summary: "Create a thing",
  description: "Writes, idempotently.",
  scope: null,
  headers: v.object({ "Idempotency-Key": v.pipe(v.string(), v.maxLength(8, "Idempotency-Key must be at most 8 characters.")) }),
  body: {
    schema: v.strictObject({ name: v.pipe(v.string(), codedCheck("metadata_too_large", (name: string) => !tooBig(name.length), "name is too long."), v.description("At most 10.")) }),
    limitBytes: (configured) => configured * 100,
  },
  success: {
    status: 201,
    description: "Created.",
    schema: v.object({ name: v.string(), key: v.string() }),
    location: true,
    headers: { "Idempotent-Replayed": { description: "Whether this is a stored reply.", schema: v.picklist(["true", "false"]) } },
  },
  errors: { 400: ["metadata_too_large"] },
  async handler({ headers, body }, c) {
    await callRpc(c, "create_activity", { type: body.name });
    return { body: { name: body.name, key: headers["Idempotency-Key"] }, location: "/v1/things/x", headers: { "Idempotent-Replayed": "false" } };
  },
});

const deleteThing = defineOperation({
  method: "delete",
  path: "/v1/things/{id}",
  operationId: "deleteThing",
  summary: "Delete a thing",
  description: "Removes it.",
  scope: null,
  params: { id: ThingId },
  success: { status: 204, description: "Deleted." },
  errors: {},
  handler: () => ({}),
});

const things: Resource = { tag: { name: "Things", description: "Test things." }, operations: [getThing, createThing, deleteThing] };

/** Declared after the templated path it sits under, as a route file list may put it. */
const countThings = defineOperation({
  method: "post",
  path: "/v1/things/count",
  operationId: "countThings",
  summary: "Count things",
  description: "Counts.",
  scope: null,
  success: { status: 200, description: "The count.", schema: v.object({ n: v.number() }) },
  errors: {},
  handler: () => ({ body: { n: 1 } }),
});

function harness(resource: Resource = things) {
  const calls: RpcRequest[] = [];
  const db: Database = {
    async rpc(request) {
      calls.push(request);
      return { workspace_id: "w" };
    },
    async close() {},
  };
  const services = createServices(parseEnv(GatewayEnvSchema, { BODY_LIMIT_BYTES: "100" }), db, { logger: silentLogger });
  const app = new Hono<AppEnv>({ getPath: routingPath });
  app.use("*", requestContext(services));
  registerOperations(app, resourceOperations(resource));
  app.onError((error, c) => {
    if (!(error instanceof ApiError)) throw error;
    return c.json(errorBody(error, c.var.requestId), error.status, error.headers);
  });
  return { app, calls };
}

const post = (app: Hono<AppEnv>, body: string, headers: Record<string, string> = {}) =>
  app.request("/v1/things", { method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": "k1", ...headers }, body });

describe("path ids", () => {
  test.each([`thg_${UUID}`, `THG_${UUID.toUpperCase()}`, UUID, UUID.toUpperCase()])("%s is the thing, as the bare lowercase uuid", async (id) => {
    const { app, calls } = harness();
    const response = await app.request(`/v1/things/${id}`);
    expect(response.status).toBe(200);
    expect((await response.json()).id).toBe(UUID);
    expect(calls).toEqual([expect.objectContaining({ fn: "get_activity", args: { id: UUID } })]);
  });

  test.each(["nope", `thg_${UUID}x`, `act_${UUID}`, `thg_thg_${UUID}`])("%s is the declared 404 with param, and no database call", async (id) => {
    const { app, calls } = harness();
    const response = await app.request(`/v1/things/${id}`);
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatchObject({ code: "activity_not_found", param: "id", message: `No thing with id "${id}" exists in this workspace.` });
    expect(calls).toEqual([]);
  });
});

describe("routing", () => {
  test("a concrete path is matched before a templated one, whatever the declaration order (as OpenAPI matches them)", async () => {
    const { app, calls } = harness({ ...things, operations: [getThing, countThings] });
    expect(await (await app.request("/v1/things/count", { method: "POST" })).json()).toEqual({ n: 1 });
    const wrongMethod = await app.request("/v1/things/count");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(calls).toEqual([]);
    expect((await app.request(`/v1/things/${UUID}`)).status).toBe(200);
  });
});

describe("query, headers, body", () => {
  test("a parameter declared as an array takes every value; the others their first", async () => {
    const { app } = harness();
    const response = await app.request(`/v1/things/${UUID}?type=call&type=email&limit=1&limit=2`);
    expect(await response.json()).toEqual({ id: UUID, type: ["call", "email"], limit: "1" });
  });

  test("declared headers are read case-insensitively and validated like fields", async () => {
    const { app } = harness();
    const lowercase = await app.request("/v1/things", { method: "POST", headers: { "content-type": "application/json", "idempotency-key": "k2" }, body: '{"name":"a"}' });
    expect(await lowercase.json()).toEqual({ name: "a", key: "k2" });
    const missing = await app.request("/v1/things", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"name":"a"}' });
    expect((await missing.json()).error).toMatchObject({ code: "missing_required_field", param: "Idempotency-Key" });
    const long = await post(app, '{"name":"a"}', { "Idempotency-Key": "123456789" });
    expect(long.status).toBe(400);
    expect((await long.json()).error).toMatchObject({ code: "invalid_field", param: "Idempotency-Key" });
  });

  test("an operation's own body limit, derived from BODY_LIMIT_BYTES (100 here)", async () => {
    const { app } = harness();
    const padded = (bytes: number) => `{"name":"a"${" ".repeat(bytes - 12)}}`;
    expect((await post(app, padded(5000))).status).toBe(201);
    expect((await post(app, padded(10_001))).status).toBe(413);
  });

  test("a coded check answers its code; the POST's database call is not read-only, the GET's is", async () => {
    const { app, calls } = harness();
    const refused = await post(app, '{"name":"abcdefghijk"}');
    expect((await refused.json()).error).toMatchObject({ code: "metadata_too_large", param: "name" });
    expect(calls).toEqual([]);
    await post(app, '{"name":"a"}');
    await app.request(`/v1/things/${UUID}`);
    expect(calls.map((call) => call.readOnly)).toEqual([false, true]);
  });
});

describe("replies", () => {
  test("the declared status, Location under the request's prefix, the declared headers", async () => {
    const { app } = harness();
    const response = await app.request("/functions/v1/api-gateway/v1/things", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "k" },
      body: '{"name":"a"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/functions/v1/api-gateway/v1/things/x");
    expect(response.headers.get("idempotent-replayed")).toBe("false");
    expect((await post(app, '{"name":"a"}')).headers.get("location")).toBe("/v1/things/x");
  });

  test("a 204 has no body", async () => {
    const { app } = harness();
    const response = await app.request(`/v1/things/${UUID}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  test("the document states each of them", () => {
    const document = buildOpenApiDocument([things]);
    const get = document.paths["/v1/things/{id}"]!.get!;
    expect(get.parameters).toEqual([
      { name: "id", in: "path", required: true, description: "A thing's id.", schema: { type: "string", pattern: ThingId.issued.source, examples: [`thg_${UUID}`] } },
      { name: "type", in: "query", required: false, schema: { type: "array", items: { type: "string" } } },
      { name: "limit", in: "query", required: false, schema: { type: "string" } },
    ]);
    expect(Object.keys(get.responses)).toEqual(["200", "400", "404", "500"]);
    const create = document.paths["/v1/things"]!.post!;
    expect(create.parameters).toEqual([{ name: "Idempotency-Key", in: "header", required: true, schema: { type: "string", maxLength: 8 } }]);
    expect(create.responses["201"]!.headers).toMatchObject({
      Location: { $ref: "#/components/headers/Location" },
      "Idempotent-Replayed": { description: "Whether this is a stored reply.", schema: { enum: ["true", "false"] } },
    });
    const remove = document.paths["/v1/things/{id}"]!.delete!;
    expect(remove.responses["204"]).toEqual({ description: "Deleted.", headers: { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } } });
  });
});
