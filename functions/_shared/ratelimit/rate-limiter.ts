// The rate limiter seen by the gateway: a sliding window per identifier (the API key's hash).
// Two implementations: Upstash (Redis over REST, shared by every instance) and an in-process
// twin for the embedded default. A fault (Redis unreachable, too slow) rejects with
// RateLimiterUnavailableError; the middleware decides between failing open and closed.

export interface RateLimitPolicy {
  requests: number;
  windowMs: number;
}

export interface RateLimitDecision {
  success: boolean;
  limit: number;
  remaining: number;
  /** Unix time in milliseconds at which the current window ends. */
  reset: number;
  /** Background work (e.g. cache sync) to hand to the runtime's waitUntil. */
  pending?: Promise<unknown>;
}

export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  limit(identifier: string): Promise<RateLimitDecision>;
}

export class RateLimiterUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RateLimiterUnavailableError";
  }
}

/** A window as Upstash's Duration type spells it. */
export type WindowText = `${number} ms`;

export function toWindowText(windowMs: number): WindowText {
  return `${windowMs} ms`;
}
