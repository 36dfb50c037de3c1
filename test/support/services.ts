// Which local services a test may use. Tests that need Postgres or Redis (or pgTAP, or Chromium)
// skip with a loud message when it is absent on a developer's machine; CI sets REQUIRE_SERVICES,
// and then a missing service fails the run instead of skipping it. At the end of a run that
// skipped anything, test/support/skipped-tests-reporter.ts says how many tests and why.

import { connect } from "node:net";

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const TRUE_VALUES = ["1", "true", "yes", "on"];
const FALSE_VALUES = ["", "0", "false", "no", "off"];

/**
 * Whether a missing service fails the run: REQUIRE_SERVICES is 1, true, yes or on (any case).
 * A value that is neither true nor false is refused, so a typo cannot quietly turn skips back on.
 */
export function servicesRequired(value = process.env.REQUIRE_SERVICES): boolean {
  const text = (value ?? "").trim().toLowerCase();
  if (TRUE_VALUES.includes(text)) return true;
  if (FALSE_VALUES.includes(text)) return false;
  throw new Error(
    `REQUIRE_SERVICES=${JSON.stringify(value)} is not understood: use ${TRUE_VALUES.join(", ")} to require the services, ` +
      `or ${FALSE_VALUES.filter(Boolean).join(", ")} (or leave it unset) to skip what needs a missing one.`,
  );
}

/**
 * A prerequisite of some tests is missing. With services required that is an error (thrown, so
 * the test file fails); otherwise a loud warning, and false, for `describe.skipIf(!available)`.
 */
export function prerequisiteMissing(tests: string, why: string, fix: string): false {
  if (servicesRequired()) throw new Error(`REQUIRE_SERVICES is set but ${why}. ${fix}`);
  const bar = "!".repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING ${tests}: ${why}.\n!! ${fix}\n!! Set REQUIRE_SERVICES=1 to make this a failure.\n${bar}\n`);
  return false;
}

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

const cache = new Map<string, Promise<boolean>>();

/** Whether the service answers, without warning: for the end-of-run report. */
export function serviceAnswers(name: "postgres" | "redis"): Promise<boolean> {
  let probe = cache.get(name);
  if (!probe) {
    probe = name === "postgres" ? reachable(POSTGRES_ADMIN_URL, 5432) : reachable(REDIS_URL, 6379);
    cache.set(name, probe);
  }
  return probe;
}

export function serviceLocation(name: "postgres" | "redis"): string {
  return name === "postgres" ? POSTGRES_ADMIN_URL : REDIS_URL;
}

/**
 * true when the service answers. false (after a warning) when it does not and services are
 * optional; throws when they are required.
 */
export async function serviceAvailable(name: "postgres" | "redis"): Promise<boolean> {
  if (await serviceAnswers(name)) return true;
  return prerequisiteMissing(`tests that need ${name}`, `nothing answers at ${serviceLocation(name)}`, `Start ${name}.`);
}
