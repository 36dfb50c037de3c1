// What the refused-key limit adds to a request, in-process, without I/O: the guard's admission and
// settlement for a key it knows (the steady state: no address parsed, no Redis), for a key it
// does not know yet, and the grouping of a client address it then needs. Prints ns per request.
//
//   npx tsx scripts/refused-key-guard-cost.ts

import { clientBucket } from "../functions/_shared/client-address.ts";
import { silentLogger } from "../functions/_shared/log.ts";
import { createRefusedKeyGuard } from "../functions/_shared/ratelimit/refused-key-guard.ts";
import { createMemoryRefusalStore } from "../functions/_shared/ratelimit/refusals-memory.ts";

const ROUNDS = 1_000_000;
const guard = createRefusedKeyGuard(createMemoryRefusalStore({ refusals: 20, windowMs: 60_000 }), silentLogger);
const known = "a".repeat(64);
const client = () => clientBucket("::ffff:192.0.2.1");
await guard.settle(known, client, { admitted: true, unverified: true }, "accepted");

function measure(label: string, step: (i: number) => void): void {
  for (let i = 0; i < ROUNDS / 10; i++) step(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) step(i);
  console.log(`${label}: ${(Number(process.hrtime.bigint() - start) / ROUNDS).toFixed(0)} ns`);
}

measure("known key (admit + settle)", () => {
  const admission = guard.admit(known, client) as { admitted: true; unverified: boolean };
  void guard.settle(known, client, admission, "accepted");
});
measure("unknown key, database unreachable (admit + settle, address grouped)", (i) => {
  const key = `b${i}`;
  const admission = guard.admit(key, client) as { admitted: true; unverified: boolean };
  void guard.settle(key, client, admission, undefined);
});
measure("clientBucket, IPv4-mapped", () => void clientBucket("::ffff:192.0.2.1"));
measure("clientBucket, IPv6", () => void clientBucket("2001:db8:1:2:3:4:5:6"));
