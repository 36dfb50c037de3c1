// The shared webhook sender's Connect over node:net and node:tls, so that the Node test suites
// drive the sender the edge dispatcher runs (functions/_shared/webhooks/sender.ts) against real
// subscribers. TLS trusts only the CA it is given (test/support/tls/) and checks the certificate
// against the server name, as Deno.startTls does.

import { connect as tcpConnect } from "node:net";
import { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import type { Connect, Connection } from "../../functions/_shared/webhooks/sender.ts";

export function nodeConnect(options: { ca?: string } = {}): Connect {
  return ({ host, port, tls }) =>
    new Promise<Connection>((resolve, reject) => {
      const socket = tls
        ? tlsConnect({ host, port, servername: tls.serverName, ca: options.ca ? [options.ca] : undefined })
        : tcpConnect({ host, port });
      socket.once(tls ? "secureConnect" : "connect", () => {
        const { readable, writable } = Duplex.toWeb(socket) as unknown as Pick<Connection, "readable" | "writable">;
        resolve({ readable, writable, close: () => socket.destroy() });
      });
      socket.once("error", reject);
    });
}
