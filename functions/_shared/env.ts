// The gateway's configuration, read once from the runtime's environment (process.env,
// Deno.env, Workers vars/secrets) and validated with valibot. A bad value is one clear error at
// start-up naming the variable, not a failure on some later request.

import * as v from "valibot";
import { flag, postgresUrl, url, wholeNumber } from "./env-fields.ts";
import { parseWindow } from "./ratelimit/rate-limiter.ts";
import { WEBHOOK_ENV_ENTRIES } from "./webhooks/env.ts";

export const GatewayEnvSchema = v.pipe(
  v.object({
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
    // What hosted Supabase sets instead of the legacy anon key: {"default":"sb_publishable_…"}.
    SUPABASE_PUBLISHABLE_KEYS: v.optional(
      v.pipe(
        v.string(),
        v.check((text) => publishableDefault(text) !== undefined, 'must be JSON like {"default":"sb_publishable_…"}'),
      ),
    ),
    SUPABASE_DB_URL: v.optional(postgresUrl),
    UPSTASH_REDIS_REST_URL: v.optional(url),
    UPSTASH_REDIS_REST_TOKEN: v.optional(v.pipe(v.string(), v.minLength(1))),
    RATE_LIMIT_REQUESTS: wholeNumber(100),
    RATE_LIMIT_WINDOW: v.pipe(
      v.optional(v.string(), "10 s"),
      v.check((text) => parseWindow(text) !== undefined, 'must be a duration like "10 s", "500 ms" or "1 m"'),
      v.transform((text) => parseWindow(text)!),
    ),
    RATE_LIMIT_TIMEOUT_MS: wholeNumber(1000, 1, 60_000),
    RATE_LIMIT_FAIL_CLOSED: flag(false),
    BODY_LIMIT_BYTES: wholeNumber(1024 * 1024, 1, 64 * 1024 * 1024),
    LOG_LEVEL: v.optional(v.picklist(["debug", "info", "warn", "error"]), "info"),
    ...WEBHOOK_ENV_ENTRIES,
  }),
  v.check(
    (env) => (env.UPSTASH_REDIS_REST_URL === undefined) === (env.UPSTASH_REDIS_REST_TOKEN === undefined),
    "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together",
  ),
);

export type GatewayEnv = v.InferOutput<typeof GatewayEnvSchema>;

/** The "default" key of SUPABASE_PUBLISHABLE_KEYS, or undefined when it has none. */
export function publishableDefault(json: string): string | undefined {
  try {
    const parsed = JSON.parse(json) as unknown;
    const key = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>).default : undefined;
    return typeof key === "string" && key !== "" ? key : undefined;
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
