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

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type WindowText = `${number} ${keyof typeof UNIT_MS}` | `${number}${keyof typeof UNIT_MS}`;

/** Parses Upstash's duration syntax ("10 s", "500ms", "1 m"); undefined when malformed. */
export function parseWindow(text: string): number | undefined {
  const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms >= 1 ? ms : undefined;
}

export function toWindowText(windowMs: number): WindowText {
  return `${windowMs} ms`;
}
