// A TCP port on 127.0.0.1 that was just bound and released: nothing listens there. Tests of a
// dependency or a database that is not there use it as such; a server of a test's or a
// benchmark's own (private Redis, private PostgreSQL) is started on it.

import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
