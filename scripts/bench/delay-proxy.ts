// A TCP proxy that puts a network between a server and its database: every chunk waits half the
// round-trip time before it is passed on, in each direction, in order. With --rtt-ms 2 a
// request/answer exchange through it takes 2 ms longer, as with a database in the next zone.
// (test/support/tcp-proxy.ts is the tests' proxy: it counts round trips and cuts connections.)
//
//   node --import tsx scripts/bench/delay-proxy.ts --target 127.0.0.1:5432 --rtt-ms 2
// prints {"msg":"listening","port":…}; SIGTERM closes it.

import { connect, createServer, type Socket } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { target: { type: "string" }, "rtt-ms": { type: "string", default: "2" } } });
const [host, port] = (values.target ?? "").split(":");
const oneWayMs = Number(values["rtt-ms"]) / 2;
if (!host || !port || !(oneWayMs >= 0)) throw new Error("usage: delay-proxy.ts --target host:port --rtt-ms N");

/** Passes what `from` sends on to `to`, each chunk `oneWayMs` after it arrived, in order. */
function delayed(from: Socket, to: Socket): void {
  const queue: Array<{ due: number; chunk: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now + 0.05) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(release, queue[0]!.due - now);
  };
  from.on("data", (chunk: Buffer) => {
    queue.push({ due: performance.now() + oneWayMs, chunk });
    timer ??= setTimeout(release, oneWayMs);
  });
}

const server = createServer((client) => {
  const upstream = connect({ host, port: Number(port) });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const socket of [client, upstream]) {
    socket.on("close", close);
    socket.on("error", close);
  }
});
server.listen(0, "127.0.0.1", () => {
  const { port: listening } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: listening })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
