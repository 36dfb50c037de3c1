// The steps every entry (Deno, Node, Workers, the dispatcher) takes the same way, with the
// runtime's own calls handed in: read the environment, and on a bad one report every problem
// once and stop with EX_CONFIG; and on SIGTERM/SIGINT stop accepting, let the requests in
// flight finish, release what the process holds, and exit — or give up after a timeout.

import { EnvError } from "./env.ts";
import type { Logger } from "./log.ts";

/** sysexits.h: configuration error. Supervisors know not to restart-loop on it. */
export const EX_CONFIG = 78;

/** What `configure` returns, or the EnvError it threw, reported (other errors propagate). */
export function configuration<T>(configure: () => T, report: (message: string) => void): T | EnvError {
  try {
    return configure();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    report(error.message);
    return error;
  }
}

/** What `configure` returns; on an EnvError the process reports it and exits with EX_CONFIG. */
export function configureOrExit<T>(configure: () => T, runtime: { report(message: string): void; exit(code: number): never }): T {
  const result = configuration(configure, runtime.report);
  return result instanceof EnvError ? runtime.exit(EX_CONFIG) : result;
}

/** `http://host:port` of a listening server (an IPv6 address in brackets). */
export function listenerUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

export interface GracefulStopOptions {
  logger: Logger;
  /** SHUTDOWN_TIMEOUT_MS: how long requests in flight may take before the process exits anyway. */
  timeoutMs: number;
  /** Stop accepting, wait for the requests in flight, then close what the process holds. */
  drain(): Promise<void>;
  exit(code: number): void;
  onSignal(signal: "SIGTERM" | "SIGINT", listener: () => void): void;
}

/** On the first SIGTERM or SIGINT: drain, then exit 0; exit 1 when draining fails or times out. */
export function stopGracefullyOnSignals(options: GracefulStopOptions): void {
  const { logger, timeoutMs, exit } = options;
  const leave = (code: number) => {
    logger.flush?.();
    exit(code);
  };
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    const force = setTimeout(() => {
      logger.error("shutdown timed out; exiting with requests still open", { timeout_ms: timeoutMs });
      leave(1);
    }, timeoutMs);
    options.drain().then(
      () => {
        clearTimeout(force);
        logger.info("stopped");
        leave(0);
      },
      (error: unknown) => {
        logger.error("shutdown failed", { error });
        leave(1);
      },
    );
  };
  options.onSignal("SIGTERM", () => stop("SIGTERM"));
  options.onSignal("SIGINT", () => stop("SIGINT"));
}
