// Preloaded into plain Deno (`deno run --preload`) to stand in for what Supabase's edge runtime
// gives a function: the EdgeRuntime global with waitUntil, and a Deno.serve whose listener the
// runtime owns (here: an ephemeral port, announced as the "listening" log line the test harness
// waits for). Each waitUntil call is logged, so a test can see the entry hand work to it.

interface ServeOptions {
  port: number;
  hostname: string;
  onListen(address: { hostname: string; port: number }): void;
}
type Handler = (request: Request) => Response | Promise<Response>;
const deno = (globalThis as unknown as { Deno: { serve(options: ServeOptions, handler: Handler): unknown } }).Deno;
const serve = deno.serve.bind(deno);

let pending = 0;
Object.assign(globalThis, {
  EdgeRuntime: {
    waitUntil(promise: Promise<unknown>) {
      pending++;
      console.log(JSON.stringify({ level: "info", msg: "EdgeRuntime.waitUntil", pending }));
      promise.finally(() => pending--).catch(() => {});
    },
  },
});
deno.serve = (handler: Handler | ServeOptions) =>
  serve(
    {
      port: 0,
      hostname: "127.0.0.1",
      onListen: ({ hostname, port }) => console.log(JSON.stringify({ level: "info", msg: "listening", url: `http://${hostname}:${port}` })),
    },
    handler as Handler,
  );
