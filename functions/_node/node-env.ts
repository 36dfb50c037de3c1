// Configuration of the Node runner (npm start) and the CLI: the gateway's variables plus the
// ones that only make sense for a long-lived process on a machine with a disk.

import * as v from "valibot";
import { GatewayEnvSchema } from "../_shared/env.ts";

const flag = v.optional(v.picklist(["1", "0", "true", "false", "yes", "no"]));
const isOn = (value: string | undefined) => value === "1" || value === "true" || value === "yes";

export const NodeEnvSchema = v.pipe(
  v.intersect([
    GatewayEnvSchema,
    v.object({
      PORT: v.pipe(v.optional(v.string(), "54321"), v.regex(/^\d+$/, "must be a port number"), v.transform(Number), v.maxValue(65535)),
      HOST: v.optional(v.string(), "127.0.0.1"),
      DATA_DIR: v.optional(v.string(), ".data"),
      DATABASE_ADMIN_URL: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"))),
      MIGRATE: flag,
      SEED_DEMO: flag,
      DEMO_API_KEY: v.optional(v.pipe(v.string(), v.regex(/^wbk_[0-9A-Za-z]{32,128}$/, 'must be "wbk_" followed by 32 to 128 letters or digits'))),
      SHUTDOWN_TIMEOUT_MS: v.pipe(v.optional(v.string(), "10000"), v.regex(/^\d+$/), v.transform(Number)),
      // The webhook dispatcher runs in this process unless WEBHOOKS_DISPATCHER=0.
      WEBHOOKS_DISPATCHER: flag,
      WEBHOOK_SWEEP_INTERVAL_MS: v.pipe(v.optional(v.string(), "1000"), v.regex(/^\d+$/), v.transform(Number), v.minValue(10)),
    }),
  ]),
  v.transform((env) => ({
    ...env,
    embedded: env.DATABASE_URL === undefined,
    // Migrating is the default: the embedded database is ours, and a real one usually wants it.
    migrate: env.MIGRATE === undefined ? true : isOn(env.MIGRATE),
    // Demo data only goes into a real database when asked for.
    seedDemo: env.SEED_DEMO === undefined ? env.DATABASE_URL === undefined : isOn(env.SEED_DEMO),
    webhooksDispatcher: env.WEBHOOKS_DISPATCHER === undefined ? true : isOn(env.WEBHOOKS_DISPATCHER),
  })),
);

export type NodeEnv = v.InferOutput<typeof NodeEnvSchema>;
