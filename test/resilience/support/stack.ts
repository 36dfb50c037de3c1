// The pieces most resilience tests stand up: a fresh database on the shared PostgreSQL (or a
// given one), the Upstash REST stand-in over a Redis, the real Node entry as a child process on
// them, fixtures, and a SecretWatch that sees every key and secret made here, the server's whole
// output and every error body a request through `call` received.

import { Fixtures, type KeyOptions, type Workspace } from "../../support/fixtures.ts";
import { type NodeServer, startNodeServer } from "../../support/node-server.ts";
import { REDIS_URL } from "../../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../../support/test-database.ts";
import { startUpstashRest, type UpstashRestServer } from "../../support/upstash-rest.ts";
import { SecretWatch } from "./secrets.ts";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface ApiClient {
  call(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
}

/** Requests through `fetch`, every error body handed to the watch. */
export function apiClient(baseUrl: () => string, watch: SecretWatch): ApiClient {
  return {
    async call(method, path, { key, body, headers = {} } = {}) {
      const response = await fetch(new URL(path, baseUrl()), {
        method,
        headers: {
          ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      return answer(response, watch);
    },
  };
}

export async function answer(response: Response, watch: SecretWatch): Promise<Answer> {
  const text = await response.text();
  if (response.status >= 400) watch.errorBody(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Fixtures whose keys the watch knows. */
export class WatchedFixtures extends Fixtures {
  watchSecrets?: SecretWatch;
  override async key(ws: Workspace, options: KeyOptions = {}): Promise<string> {
    const key = await super.key(ws, options);
    this.watchSecrets?.secret("API key", key);
    return key;
  }
}

export interface UpstashOnRedis {
  upstash: UpstashRestServer;
  env: Record<string, string>;
}

export async function upstashOver(watch: SecretWatch, redisUrl = REDIS_URL): Promise<UpstashOnRedis> {
  const upstash = await startUpstashRest({ redisUrl });
  watch.secret("Upstash token", upstash.token);
  return { upstash, env: { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token } };
}

/** The Node entry on `databaseUrl` (already migrated), its output watched. */
export async function watchedNodeServer(name: string, watch: SecretWatch, env: Record<string, string>): Promise<NodeServer> {
  const server = await startNodeServer({ MIGRATE: "0", SEED_DEMO: "0", ...env });
  watch.watch(`the output of ${name}`, () => server.output());
  return server;
}

/** Creates a webhook endpoint through the API and hands its secret to the watch. */
export async function subscribe(api: ApiClient, key: string, url: string, watch: SecretWatch): Promise<{ id: string; secret: string }> {
  const created = await api.call("POST", "/v1/webhook_endpoints", { key, body: { url, events: ["activity.created"] } });
  if (created.status !== 201) throw new Error(`creating a webhook endpoint: ${created.status} ${created.text}`);
  const endpoint = created.json.data.webhook_endpoint as { id: string; secret: string };
  watch.secret("webhook secret", endpoint.secret);
  return endpoint;
}

export interface Stack {
  database: TestDatabase;
  fixtures: WatchedFixtures;
  /** Undefined when the stack was started without the Upstash stand-in. */
  redis?: UpstashOnRedis;
  server: NodeServer;
  api: ApiClient;
  /** Stops the server and the Upstash stand-in, drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh test database (`database`, a name prefix) that accepts insecure webhook URLs, fixtures
 * the watch knows, the Upstash stand-in over the shared Redis (unless `upstash: false`), the
 * watched Node entry on them (`name`) with DATABASE_URL, the Upstash variables and `env`, and a
 * client for it. If a step fails, what was started is closed again before the error is thrown.
 */
export async function startStack(options: { database: string; name: string; watch: SecretWatch; env: Record<string, string>; upstash?: boolean }): Promise<Stack> {
  const { watch, upstash = true } = options;
  let database: TestDatabase | undefined;
  let redis: UpstashOnRedis | undefined;
  let server: NodeServer | undefined;
  const close = async () => {
    await server?.stop();
    await redis?.upstash.close();
    await database?.drop();
  };
  try {
    database = await createTestDatabase(options.database);
    await database.admin.query("select admin.allow_insecure_webhook_urls(true)");
    const fixtures = new WatchedFixtures(database.admin);
    fixtures.watchSecrets = watch;
    if (upstash) redis = await upstashOver(watch);
    server = await watchedNodeServer(options.name, watch, { DATABASE_URL: database.apiUrl, ...redis?.env, ...options.env });
    const started = server;
    const api = apiClient(() => started.baseUrl, watch);
    return { database, fixtures, redis, server, api, close };
  } catch (error) {
    await close();
    throw error;
  }
}
