// The whole gateway in-process with its database replaced by a recorder: for tests of what the
// gateway decides on its own — validation, rate limiting — where a real database would answer
// the same refusal and hide a gateway that let the request through. Every call that reaches the
// "database" is recorded and answered with the documents' examples.

import type { Database, RpcRequest } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { ACTIVITY_RESPONSE_EXAMPLE } from "../../functions/api-gateway/routes/activities/schema.ts";
import { WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE } from "../../functions/api-gateway/routes/webhook-endpoints/schema.ts";
import { createServices, type ServiceOverrides } from "../../functions/api-gateway/services.ts";

/** A well-formed key: the gateway only checks its syntax; the stub database accepts any. */
export const STUB_API_KEY = `wbk_${"0".repeat(64)}`;

export interface StubDatabaseApp {
  /** What reached the database, in order. */
  calls: RpcRequest[];
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A request with STUB_API_KEY and, when given, `body` serialised as JSON. */
  send(method: string, path: string, body?: unknown): Promise<Response>;
  createActivity(body: unknown): Promise<Response>;
}

export function stubDatabaseApp(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): StubDatabaseApp {
  const calls: RpcRequest[] = [];
  const db: Database = {
    async rpc(request) {
      calls.push(request);
      // One answer with every field some handler reads from its call's result.
      return {
        workspace_id: "d0c5e000-0000-4000-8000-000000000001",
        ...ACTIVITY_RESPONSE_EXAMPLE.data,
        ...WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE.data,
        webhook_endpoints: [],
        deliveries: [],
        has_more: false,
      };
    },
    async close() {},
  };
  const app = createApp(createServices(parseEnv(GatewayEnvSchema, env), db, { logger: silentLogger, ...overrides }));
  const request = async (path: string, init: RequestInit = {}) => app.request(path, init);
  const send = (method: string, path: string, body?: unknown) =>
    request(path, {
      method,
      headers: { Authorization: `Bearer ${STUB_API_KEY}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { calls, request, send, createActivity: (body) => send("POST", "/v1/activities", body) };
}
