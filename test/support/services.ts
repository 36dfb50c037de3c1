// Which local services a test may use. Tests that need Postgres or Redis skip with a loud
// message when it is absent on a developer's machine; CI sets REQUIRE_SERVICES=1, and then a
// missing service fails the run instead of skipping it.

import { connect } from "node:net";

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const required = process.env.REQUIRE_SERVICES === "1";

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

/**
 * true when the service answers. false (after a warning) when it does not and services are
 * optional; throws when REQUIRE_SERVICES=1.
 */
export async function serviceAvailable(name: "postgres" | "redis"): Promise<boolean> {
  let probe = cache.get(name);
  if (!probe) {
    probe = name === "postgres" ? reachable(POSTGRES_ADMIN_URL, 5432) : reachable(REDIS_URL, 6379);
    cache.set(name, probe);
  }
  const ok = await probe;
  if (ok) return true;
  const where = name === "postgres" ? POSTGRES_ADMIN_URL : REDIS_URL;
  if (required) throw new Error(`REQUIRE_SERVICES=1 but ${name} is not reachable at ${where}.`);
  console.warn(
    `\n${"!".repeat(78)}\n!! SKIPPING tests that need ${name}: nothing answers at ${where}.\n` +
      `!! Start it, or run with REQUIRE_SERVICES=1 to make this a failure.\n${"!".repeat(78)}\n`,
  );
  return false;
}
