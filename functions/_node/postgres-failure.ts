// Whether PostgreSQL is out of reach, and why the Node entry or a CLI could not migrate a
// database, in one sentence a newcomer can act on: PostgreSQL out of reach (not there, a name that does not resolve, no answer in time, a
// refused login, no such database) is named as such and points at the URL; a role that may not
// change the schema points at DATABASE_ADMIN_URL; anything else is the migration's own error.

import { databaseLocation } from "../_shared/db/schema-probe.ts";
import type { NodeEnv } from "./node-env.ts";

const NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved now",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "no answer in time",
  CONNECT_TIMEOUT: "no answer within DATABASE_CONNECT_TIMEOUT",
  // postgres.js's own, for a connection that went away.
  CONNECTION_CLOSED: "the connection was closed",
  CONNECTION_DESTROYED: "the connection was destroyed",
  CONNECTION_ENDED: "the connection was ended",
};

/** SQLSTATEs of a refused connection: a login, a missing database, a server not ready. */
const REFUSED_LOGIN = new Set(["28000", "28P01", "3D000", "57P03", "53300"]);

export function migrationFailure(error: unknown, env: NodeEnv): string {
  const url = env.DATABASE_ADMIN_URL ?? env.DATABASE_URL;
  const where = url === undefined ? `the embedded database in ${env.DATA_DIR}` : `PostgreSQL at ${databaseLocation(url)}`;
  const unreachable = url === undefined ? undefined : connectFailure(error);
  if (unreachable !== undefined) {
    return `cannot reach ${where}: ${unreachable}. Is PostgreSQL running, and is ${env.DATABASE_ADMIN_URL ? "DATABASE_ADMIN_URL" : "DATABASE_URL"} right?`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown }).code === "42501" && !env.DATABASE_ADMIN_URL) {
    return `applying migrations to ${where} failed: ${message}. DATABASE_URL's role may not change the schema: set DATABASE_ADMIN_URL to an owner's URL.`;
  }
  return `applying migrations to ${where} failed: ${message}`;
}

/** What keeps PostgreSQL out of reach, when that is what `error` says; else undefined. */
export function connectFailure(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== "string") return undefined;
  if (code in NETWORK) return `${NETWORK[code]} (${code})`;
  if (REFUSED_LOGIN.has(code) || /^08/.test(code) || code === "57P01") return String(message);
  return undefined;
}
