// Run by deno-sender.test.ts under the real deno binary: the dispatcher's Deno sockets
// (functions/webhook-dispatcher/deno-socket.ts) under the shared socket sender, with a resolver
// that changes its answer after the first lookup. The public address it hands out is routed to
// 127.0.0.1 on the way to Deno.connect (the test's stand-in for the internet); TLS is Deno's
// own, trusting the test CA through DENO_CERT. Prints one JSON line per case.

import { createSocketSender, type ConnectTarget } from "../../functions/_shared/webhooks/sender.ts";
import { denoConnect, type DenoSockets } from "../../functions/webhook-dispatcher/deno-socket.ts";

const { Deno } = globalThis as unknown as { Deno: DenoSockets & { args: string[] } };
const { tlsPort, httpPort } = JSON.parse(Deno.args[0]!) as { tlsPort: number; httpPort: number };
const PUBLIC = "93.184.216.34";

const connect = denoConnect(Deno);
const targets: ConnectTarget[] = [];
const routed = (target: ConnectTarget) => {
  targets.push(target);
  return connect({ ...target, host: target.host === PUBLIC ? "127.0.0.1" : target.host });
};
let lookups = 0;
const resolve = async () => (++lookups === 1 ? [PUBLIC] : ["127.0.0.2"]);
const production = createSocketSender({ timeoutMs: 5000, maxResponseBytes: 4096, allowInsecure: false, resolve, connect: routed });
const insecure = createSocketSender({ timeoutMs: 5000, maxResponseBytes: 4096, allowInsecure: true, connect: routed });
const request = (url: string) => ({ url, headers: { "webhook-id": "evt_deno" }, body: '{"from":"deno"}' });

const report = (name: string, result: unknown) => console.log(JSON.stringify({ name, result, lookups, targets: targets.splice(0) }));
report("rebinding", await production(request(`https://subscriber.test:${tlsPort}/hook?x=1`)));
report("rebound", await production(request(`https://subscriber.test:${tlsPort}/hook`)));
lookups = 0;
report("other name", await production(request(`https://elsewhere.test:${tlsPort}/`)));
report("insecure http", await insecure(request(`http://127.0.0.1:${httpPort}/dev`)));
