// The gateway's configuration, read once from the runtime's environment (process.env,
// Deno.env, Workers vars/secrets) and validated with valibot: the parts it uses — the database,
// the rate limit, the body limit, logging and the webhook URL rules — each a set of fields
// another function can take too (the dispatcher takes the database's, not the rate limit's). A
// bad value is one clear error at start-up naming the variable, not a failure on some later
// request.

import * as v from "valibot";
import { duration, flag, logFields, postgresUrl, url, wholeNumber } from "./env-fields.ts";
import { webhookUrlFields } from "./webhooks/env.ts";

/** The database: over the wire (DATABASE_URL, else Supabase's SUPABASE_DB_URL) or through PostgREST. */
export const databaseFields = {
  DATABASE_URL: v.optional(postgresUrl),
  DATABASE_POOL_MAX: wholeNumber(10, 1, 1000),
  DATABASE_PREPARE: flag(true),
  DATABASE_CONNECT_TIMEOUT: wholeNumber(5, 1, 600),
  DATABASE_TIMEOUT_MS: wholeNumber(10_000, 1, 600_000),
  // Supabase's own variables (set for every edge function): PostgREST's URL and a key for it,
  // and the database's URL, used only when no PostgREST is configured.
  SUPABASE_URL: v.optional(url),
  SUPABASE_ANON_KEY: v.optional(v.pipe(v.string(), v.minLength(1))),
  SUPABASE_PUBLISHABLE_KEY: v.optional(v.pipe(v.string(), v.minLength(1))),
  // What hosted Supabase sets next to the legacy anon key: {"default":"sb_publishable_…"}.
  SUPABASE_PUBLISHABLE_KEYS: v.optional(
    v.pipe(
      v.string(),
      v.check((text) => publishableKeys(text) !== undefined, 'must be a JSON object of keys, like {"default":"sb_publishable_…"}'),
    ),
  ),
  SUPABASE_DB_URL: v.optional(postgresUrl),
};

/** The per-key rate limit: Upstash when both its variables are set, else in-process. */
export const rateLimitFields = {
  UPSTASH_REDIS_REST_URL: v.optional(url),
  UPSTASH_REDIS_REST_TOKEN: v.optional(v.pipe(v.string(), v.minLength(1))),
  RATE_LIMIT_REQUESTS: wholeNumber(100),
  RATE_LIMIT_WINDOW: duration("10 s"),
  RATE_LIMIT_TIMEOUT_MS: wholeNumber(1000, 1, 60_000),
  RATE_LIMIT_FAIL_CLOSED: flag(false),
};

export const GatewayEnvSchema = v.pipe(
  v.object({
    ...databaseFields,
    ...rateLimitFields,
    BODY_LIMIT_BYTES: wholeNumber(1024 * 1024, 1, 64 * 1024 * 1024),
    ...logFields,
    ...webhookUrlFields,
  }),
  v.check(
    (env) => (env.UPSTASH_REDIS_REST_URL === undefined) === (env.UPSTASH_REDIS_REST_TOKEN === undefined),
    "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together",
  ),
);

export type GatewayEnv = v.InferOutput<typeof GatewayEnvSchema>;

/** SUPABASE_PUBLISHABLE_KEYS as name → key (its non-empty string entries); undefined unless a JSON object. */
export function publishableKeys(json: string): Record<string, string> | undefined {
  try {
    const parsed = JSON.parse(json) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== ""));
  } catch {
    return undefined;
  }
}

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

/**
 * Validates `raw` against `schema`. Empty strings count as unset (a blank line in an env file
 * should mean "default", not "invalid"). Throws EnvError listing every problem.
 */
export function parseEnv<S extends v.GenericSchema>(schema: S, raw: Record<string, string | undefined>): v.InferOutput<S> {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined && value !== "") cleaned[name] = value;
  const result = v.safeParse(schema, cleaned);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const name = issue.path?.map((item) => String(item.key)).join(".");
    return name ? `${name} ${issue.message}` : issue.message;
  });
  throw new EnvError(`Invalid environment:\n  - ${problems.join("\n  - ")}`);
}
