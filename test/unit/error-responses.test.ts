// Error responses as a client receives them from the gateway (database stubbed): the status, the
// headers that go with it, and a bug's 500 that tells the client only the request id while the
// log gets the cause.

import { describe, expect, test } from "vitest";
import type { LogFields, Logger } from "../../functions/_shared/log.ts";
import { STUB_API_KEY, stubDatabaseApp } from "../support/stub-database-app.ts";

const headersOf = (response: Response, ...names: string[]) => Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));

describe("headers that go with an error", () => {
  test("every error carries X-Request-Id, the same id as in its body; a 400 says nothing about retrying", async () => {
    const response = await stubDatabaseApp().createActivity({});
    const { error } = (await response.json()) as { error: { request_id: string } };
    expect(response.status).toBe(400);
    expect(response.headers.get("x-request-id")).toBe(error.request_id);
    expect(response.headers.get("retry-after")).toBeNull();
  });

  test("a 401 names the bearer scheme; a 405 lists the allowed methods", async () => {
    const gateway = stubDatabaseApp();
    const unauthorised = await gateway.request("/v1/activities", { method: "POST" });
    expect(unauthorised.status).toBe(401);
    expect(headersOf(unauthorised, "www-authenticate")).toEqual({ "www-authenticate": 'Bearer realm="api"' });
    expect(unauthorised.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    const wrongMethod = await gateway.request("/v1/activities", { method: "PUT", headers: { Authorization: `Bearer ${STUB_API_KEY}` } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST, GET");
    expect(wrongMethod.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

test("a bug is a 500 with the request id only; the cause goes to the log under that id", async () => {
  const logged: Array<{ message: string; fields: LogFields }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error(message, fields = {}) {
      logged.push({ message, fields });
    },
  };
  const gateway = stubDatabaseApp({}, {
    logger,
    hashKey: () => {
      throw new TypeError("secret detail of a bug");
    },
  });
  const response = await gateway.createActivity({ type: "call" });
  expect(response.status).toBe(500);
  const body = (await response.json()) as { error: { request_id: string } };
  expect(body).toEqual({
    error: { code: "internal_error", message: "An internal error occurred. Quote the request id when reporting it.", request_id: body.error.request_id },
  });
  expect(JSON.stringify(body)).not.toContain("secret detail");
  expect(logged.some(({ fields }) => fields.request_id === body.error.request_id && String(fields.error).includes("secret detail of a bug"))).toBe(true);
  expect(gateway.calls).toEqual([]);
});
