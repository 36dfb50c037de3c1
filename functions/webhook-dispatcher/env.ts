// The webhook-dispatcher function's configuration: the parts it uses — the database (it works
// over the wire as the owner), logging, the webhook URL rules and delivery settings — and its
// own bearer secret and time budget. Nothing of the gateway's rate limit or body limit.

import * as v from "valibot";
import { databaseFields, EnvError } from "../_shared/env.ts";
import { logFields, wholeNumber } from "../_shared/env-fields.ts";
import { webhookDeliveryFields, webhookUrlFields } from "../_shared/webhooks/env.ts";

export const DispatcherEnvSchema = v.object({
  ...databaseFields,
  ...logFields,
  ...webhookUrlFields,
  ...webhookDeliveryFields,
  /** Bearer token the function requires (what the pg_net poke and the pg_cron sweep send). */
  WEBHOOK_DISPATCHER_SECRET: v.optional(v.pipe(v.string(), v.minLength(16, "must be at least 16 characters"))),
  /** Edge functions have a wall-clock limit; stop claiming well before it. */
  WEBHOOK_DRAIN_BUDGET_MS: wholeNumber(50_000, 0),
});

export type DispatcherEnv = v.InferOutput<typeof DispatcherEnvSchema>;

/** The database the dispatcher claims from: DATABASE_URL, else Supabase's SUPABASE_DB_URL. */
export function dispatcherDatabaseUrl(env: DispatcherEnv): string {
  const url = env.DATABASE_URL ?? env.SUPABASE_DB_URL;
  if (!url) throw new EnvError("Invalid environment:\n  - SUPABASE_DB_URL (or DATABASE_URL) is required");
  return url;
}
