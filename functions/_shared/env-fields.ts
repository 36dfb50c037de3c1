// The kinds of environment variable the entries read, as valibot fields: each parses the text
// the environment holds into the value the code uses, with a message naming what was expected.

import * as v from "valibot";

const FLAG_VALUES = ["1", "0", "true", "false", "yes", "no"] as const;
const isOn = (value: (typeof FLAG_VALUES)[number]): boolean => value === "1" || value === "true" || value === "yes";

/** "1"/"true"/"yes" or "0"/"false"/"no"; `fallback` when unset. */
export const flag = (fallback: boolean) =>
  v.pipe(v.optional(v.picklist(FLAG_VALUES), fallback ? "1" : "0"), v.transform(isOn));

/** Like flag, but undefined when unset, for defaults that depend on other variables. */
export const optionalFlag = v.pipe(
  v.optional(v.picklist(FLAG_VALUES)),
  v.transform((value) => (value === undefined ? undefined : isOn(value))),
);

export const wholeNumber = (fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.regex(/^\d+$/, "must be a whole number"),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * "10 s", "500ms", "1 m", "2h", "5d" (Upstash's duration syntax) in milliseconds, at least 1;
 * "0" too where `zero` is allowed; undefined when malformed.
 */
export function parseDuration(text: string, { zero = false } = {}): number | undefined {
  if (zero && text.trim() === "0") return 0;
  const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms >= 1 ? ms : undefined;
}

/** A duration (see parseDuration), in milliseconds; `fallback` when unset. */
export const duration = (fallback: string, options: { zero?: boolean } = {}) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.check((text) => parseDuration(text, options) !== undefined, 'must be a duration like "10 s", "500 ms", "2h" or "5d"'),
    v.transform((text) => parseDuration(text, options)!),
  );

export const url = v.pipe(v.string(), v.url("must be a URL"));
export const postgresUrl = v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"));

/** How much each function logs (one JSON line per request at info). */
export const logFields = {
  LOG_LEVEL: v.optional(v.picklist(["debug", "info", "warn", "error"]), "info"),
};

/** Where a long-lived server listens and how long SIGTERM waits for requests in flight. */
export const listenerFields = (defaultPort: number) => ({
  PORT: wholeNumber(defaultPort, 0, 65535),
  HOST: v.optional(v.string(), "127.0.0.1"),
  SHUTDOWN_TIMEOUT_MS: wholeNumber(10_000, 0),
});
