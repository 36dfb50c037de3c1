// Where refused authentications are counted per client, and keys the database accepted are
// remembered, so that every instance knows them: Upstash (Redis, shared) or an in-process twin
// (one instance). Only the counting and remembering; what to admit is refused-key-guard.ts's.

export interface RefusalPolicy {
  /** Refused authentications a client may cause per window (RATE_LIMIT_REFUSED_KEYS). */
  refusals: number;
  windowMs: number;
}

export interface RefusalCount {
  /** Refusals counted for the client in the current window, this one included. */
  count: number;
  /** Unix time in milliseconds at which the current window ends. */
  reset: number;
}

/** How long a key the database accepted counts as "accepted recently". */
export const ACCEPTED_FOR_MS = 60 * 60 * 1000;

export interface RefusalStore {
  readonly policy: RefusalPolicy;
  /** Counts one refused authentication of `client` (a clientBucket). Rejects when the store fails. */
  recordRefusal(client: string): Promise<RefusalCount>;
  /** Remembers, for ACCEPTED_FOR_MS, that the database accepted the key with this hash. */
  recordAccepted(keyHash: string): Promise<void>;
  /** Forgets it again (the database has since refused the key: revoked or expired). */
  forgetAccepted(keyHash: string): Promise<void>;
  acceptedRecently(keyHash: string): Promise<boolean>;
}

/** The fixed window `time` falls in, and when it ends. */
export function fixedWindow(time: number, windowMs: number): { index: number; reset: number } {
  const index = Math.floor(time / windowMs);
  return { index, reset: (index + 1) * windowMs };
}
