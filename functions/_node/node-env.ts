// Configuration of the Node runner (npm start) and the CLI: the gateway's variables, the
// webhook delivery settings (the runner dispatches in-process), the listener's, and the ones
// that only make sense for a long-lived process on a machine with a disk.

import * as v from "valibot";
import { GatewayEnvSchema } from "../_shared/env.ts";
import { listenerFields, optionalFlag, postgresUrl, wholeNumber } from "../_shared/env-fields.ts";
import { webhookDeliveryFields } from "../_shared/webhooks/env.ts";

export const NodeEnvSchema = v.pipe(
  v.intersect([
    GatewayEnvSchema,
    v.object({
      ...listenerFields(54321),
      ...webhookDeliveryFields,
      DATA_DIR: v.optional(v.string(), ".data"),
      DATABASE_ADMIN_URL: v.optional(postgresUrl),
      MIGRATE: optionalFlag,
      SEED_DEMO: optionalFlag,
      DEMO_API_KEY: v.optional(v.pipe(v.string(), v.regex(/^wbk_[0-9A-Za-z]{32,128}$/, 'must be "wbk_" followed by 32 to 128 letters or digits'))),
      // The webhook dispatcher runs in this process unless WEBHOOKS_DISPATCHER=0.
      WEBHOOKS_DISPATCHER: optionalFlag,
      WEBHOOK_SWEEP_INTERVAL_MS: wholeNumber(1000, 10),
    }),
  ]),
  v.transform((env) => ({
    ...env,
    embedded: env.DATABASE_URL === undefined,
    // Migrating is the default: the embedded database is ours, and a real one usually wants it.
    migrate: env.MIGRATE ?? true,
    // Demo data only goes into a real database when asked for.
    seedDemo: env.SEED_DEMO ?? env.DATABASE_URL === undefined,
    webhooksDispatcher: env.WEBHOOKS_DISPATCHER ?? true,
  })),
);

export type NodeEnv = v.InferOutput<typeof NodeEnvSchema>;
