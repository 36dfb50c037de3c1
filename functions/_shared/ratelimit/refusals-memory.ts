// The in-process refusal store: the embedded default when no Upstash is configured, and the
// twin for unit tests. Right for one instance only; bounded, so that a flood of addresses or
// keys cannot grow it without end.

import { ACCEPTED_FOR_MS, fixedWindow, type RefusalCount, type RefusalPolicy, type RefusalStore } from "./refusals.ts";

/** Beyond this many clients or keys, the oldest are forgotten first. */
const MAX_ENTRIES = 100_000;

export function createMemoryRefusalStore(policy: RefusalPolicy, now: () => number = Date.now): RefusalStore {
  const counts = new Map<string, { index: number; count: number }>();
  const accepted = new Map<string, number>();
  const bounded = <V>(map: Map<string, V>) => {
    if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
  };
  return {
    policy,
    async recordRefusal(client: string): Promise<RefusalCount> {
      const { index, reset } = fixedWindow(now(), policy.windowMs);
      const current = counts.get(client);
      const count = current?.index === index ? current.count + 1 : 1;
      counts.delete(client);
      counts.set(client, { index, count });
      bounded(counts);
      return { count, reset };
    },
    async recordAccepted(keyHash: string): Promise<void> {
      accepted.delete(keyHash);
      accepted.set(keyHash, now() + ACCEPTED_FOR_MS);
      bounded(accepted);
    },
    async forgetAccepted(keyHash: string): Promise<void> {
      accepted.delete(keyHash);
    },
    async acceptedRecently(keyHash: string): Promise<boolean> {
      return (accepted.get(keyHash) ?? 0) > now();
    },
  };
}
