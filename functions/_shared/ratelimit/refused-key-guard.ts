// Refused keys cost nothing: a client that sends keys the database refuses (made up, revoked,
// expired) is limited per address, before any database call — the per-key limit cannot do it,
// since every random key starts with a fresh budget. Per isolate, kept cheap on the path every
// request takes:
//
// - a key the database accepted recently (here, or in any instance: the store remembers it) is
//   admitted at once and never held back by its address's refusals. It still goes to the
//   database, which verifies every request, so revoking a key takes effect on the next one;
// - any other key is admitted while its address has refusals left in the window, counting the
//   distinct unverified keys from that address still in flight (so that a burst cannot pass
//   the limit before its first refusal is counted); past that, 429 until the window ends;
// - a key the database refused is counted against its address in the store (every instance
//   sees the count; this isolate learns it from the store's answer).
//
// What a request costs beyond that: a known key, a map lookup (its address is not even read); a new key, one write to the store
// after the database accepted it (once per key per isolate per half hour); an unverified key
// from an address already over its limit, one read; a refused key, one write. Without the store
// (Redis down), refusals are counted in this isolate and unverified keys of an address over
// its limit stay refused.

import type { Logger } from "../log.ts";
import { ACCEPTED_FOR_MS, fixedWindow, type RefusalStore } from "./refusals.ts";

export type Admission =
  | { admitted: true; /** Not known to the database yet: settle() must be told what it said. */ unverified: boolean }
  | { admitted: false; retryAfterSeconds: number };

/** What the database said of the key: accepted it, refused it, or nothing (no call, or a fault). */
export type KeyVerdict = "accepted" | "refused" | undefined;

/**
 * `client` gives the client's group (a clientBucket); it is asked only when needed — never for a
 * key accepted recently on the way in, nor for a key the database accepted on the way out.
 */
export interface RefusedKeyGuard {
  readonly refusalsPerWindow: number;
  readonly windowMs: number;
  admit(keyHash: string, client: () => string): Admission | Promise<Admission>;
  /** After the request; returns work to finish in the background, if any. */
  settle(keyHash: string, client: () => string, admission: Admission & { admitted: true }, verdict: KeyVerdict): Promise<void> | undefined;
}

interface ClientState {
  /** Refusals in the window ending at `reset`, as the store last counted them. */
  count: number;
  reset: number;
  /** Unverified keys in flight from this client, with how many requests carry each. */
  pending: Map<string, number>;
}

interface KnownKey {
  until: number;
  /** When the store was last told; it is told again after half of ACCEPTED_FOR_MS. */
  stored: number;
}

/** Bounds of this isolate's memory: the oldest entries go first. */
const MAX_KNOWN_KEYS = 10_000;
const MAX_CLIENTS = 10_000;

const KNOWN: Admission = { admitted: true, unverified: false };
const UNVERIFIED: Admission = { admitted: true, unverified: true };

export function createRefusedKeyGuard(store: RefusalStore, logger: Logger, now: () => number = Date.now): RefusedKeyGuard {
  const { refusals: limit, windowMs } = store.policy;
  const known = new Map<string, KnownKey>();
  const clients = new Map<string, ClientState>();

  const remember = (keyHash: string, time: number, stored: number) => {
    known.delete(keyHash);
    known.set(keyHash, { until: time + ACCEPTED_FOR_MS, stored });
    if (known.size > MAX_KNOWN_KEYS) known.delete(known.keys().next().value!);
  };

  const stateOf = (client: string): ClientState => {
    let state = clients.get(client);
    if (!state) {
      state = { count: 0, reset: 0, pending: new Map() };
      clients.set(client, state);
      if (clients.size > MAX_CLIENTS) forgetIdleClients();
    }
    return state;
  };

  function forgetIdleClients(): void {
    const time = now();
    for (const [client, state] of clients) {
      if (state.pending.size === 0 && (state.reset <= time || clients.size > MAX_CLIENTS)) clients.delete(client);
      if (clients.size <= MAX_CLIENTS / 2) return;
    }
  }

  const release = (state: ClientState, keyHash: string) => {
    const carried = (state.pending.get(keyHash) ?? 1) - 1;
    if (carried > 0) state.pending.set(keyHash, carried);
    else state.pending.delete(keyHash);
  };

  async function admitOverLimit(keyHash: string, state: ClientState, time: number): Promise<Admission> {
    let recently = false;
    try {
      recently = await store.acceptedRecently(keyHash);
    } catch (error) {
      logger.warn("refused-key limiter: cannot tell whether a key was accepted recently; holding it back", { error: String(error) });
    }
    if (recently) {
      remember(keyHash, time, time);
      return KNOWN;
    }
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((state.reset - time) / 1000)) };
  }

  return {
    refusalsPerWindow: limit,
    windowMs,
    admit(keyHash, clientOf) {
      const time = now();
      if ((known.get(keyHash)?.until ?? 0) > time) return KNOWN;
      const client = clientOf();
      const state = clients.get(client);
      const count = state && state.reset > time ? state.count : 0;
      if (state && count >= limit) return admitOverLimit(keyHash, state, time);
      const pending = state?.pending;
      const othersInFlight = pending ? pending.size - (pending.has(keyHash) ? 1 : 0) : 0;
      // Refusals left, all taken by keys still in flight: wait for their answers.
      if (count + othersInFlight >= limit) return { admitted: false, retryAfterSeconds: 1 };
      const target = stateOf(client);
      target.pending.set(keyHash, (target.pending.get(keyHash) ?? 0) + 1);
      return UNVERIFIED;
    },

    settle(keyHash, clientOf, admission, verdict) {
      const time = now();
      const state = admission.unverified ? clients.get(clientOf()) : undefined;
      if (verdict === "accepted") {
        if (state) release(state, keyHash);
        const entry = known.get(keyHash);
        if (entry && time - entry.stored < ACCEPTED_FOR_MS / 2) {
          entry.until = time + ACCEPTED_FOR_MS;
          return undefined;
        }
        remember(keyHash, time, time);
        return store.recordAccepted(keyHash).catch((error: unknown) => {
          logger.warn("refused-key limiter: cannot remember an accepted key", { error: String(error) });
        });
      }
      if (verdict !== "refused") {
        if (state) release(state, keyHash);
        return undefined;
      }
      const wasKnown = known.delete(keyHash);
      const client = clientOf();
      const counted = stateOf(client);
      const work = store.recordRefusal(client).then(
        ({ count, reset }) => {
          if (reset > counted.reset || count > counted.count) {
            counted.count = count;
            counted.reset = reset;
          }
        },
        (error: unknown) => {
          // Without the store, count here: this isolate still limits.
          const { reset } = fixedWindow(time, windowMs);
          counted.count = counted.reset === reset ? counted.count + 1 : 1;
          counted.reset = reset;
          logger.warn("refused-key limiter: cannot count a refusal in the store; counting in this instance", { error: String(error) });
        },
      );
      const forgotten = wasKnown ? store.forgetAccepted(keyHash).catch(() => {}) : undefined;
      return Promise.all([work, forgotten]).then(() => {
        if (admission.unverified) release(counted, keyHash);
      });
    },
  };
}
