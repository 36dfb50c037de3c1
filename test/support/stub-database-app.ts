// The whole gateway in-process with its database replaced by a recorder: for tests of what the
// gateway decides on its own — validation, rate limiting — where a real database would answer
// the same refusal and hide a gateway that let the request through. Every call that reaches the
// "database" is recorded and answered with the doc's example activity.

import type { Database, RpcRequest } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createApp } from "../../functions/api-gateway/app.ts";
import { ACTIVITY_RESPONSE_EXAMPLE } from "../../functions/api-gateway/routes/activities/schema.ts";
import { createServices, type ServiceOverrides } from "../../functions/api-gateway/services.ts";

/** A well-formed key: the gateway only checks its syntax; the stub database accepts any. */
export const STUB_API_KEY = `wbk_${"0".repeat(64)}`;

export interface StubDatabaseApp {
  /** What reached the database, in order. */
  calls: RpcRequest[];
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST /v1/activities with `body` serialised as JSON, with STUB_API_KEY. */
  createActivity(body: unknown): Promise<Response>;
}

export function stubDatabaseApp(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): StubDatabaseApp {
  const calls: RpcRequest[] = [];
  const db: Database = {
    async rpc(request) {
      calls.push(request);
      return { workspace_id: "d0c5e000-0000-4000-8000-000000000001", ...ACTIVITY_RESPONSE_EXAMPLE.data };
    },
    async close() {},
  };
  const app = createApp(createServices(parseEnv(GatewayEnvSchema, env), db, { logger: silentLogger, ...overrides }));
  const request = async (path: string, init: RequestInit = {}) => app.request(path, init);
  return {
    calls,
    request,
    createActivity: (body) =>
      request("/v1/activities", {
        method: "POST",
        headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
  };
}
