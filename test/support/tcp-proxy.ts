// A TCP proxy between the API and PostgreSQL (or any server) that the tests control: it counts
// round trips — each time the client speaks again after the server has answered — and it can
// cut every open connection or stop answering, to stage a database that vanishes mid-request,
// or turn every connection away, to stage one that is down for a while.

import { createServer, type Server, type Socket, connect } from "node:net";

export interface ProxyStats {
  connections: number;
  /** Client→server turns: a client write after server data (or the first write of a connection). */
  roundTrips: number;
}

export interface TcpProxy {
  port: number;
  stats: ProxyStats;
  resetStats(): void;
  /** Destroys every open connection, both sides. */
  cutAll(): void;
  /**
   * When set, the next client→server chunk containing `marker` is forwarded only up to the
   * marker, and then both sides of that connection are cut: the server has received everything
   * before it (e.g. BEGIN and the call) and never the rest (e.g. COMMIT).
   */
  cutOnClientBytes(marker: string | null): void;
  /** While frozen, client→server bytes are swallowed: a database that stops answering. */
  setFrozen(frozen: boolean): void;
  /** While down, open connections are cut and new ones closed at once: a database that is down. */
  setDown(down: boolean): void;
  /**
   * Counts, from now on, the client→server chunks holding `marker` (e.g. "api.create_activity(":
   * one per call, however the driver pipelines them into round trips).
   */
  countClientBytes(marker: string): () => number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const stats: ProxyStats = { connections: 0, roundTrips: 0 };
  const sockets = new Set<Socket>();
  let cutMarker: Buffer | null = null;
  let frozen = false;
  let down = false;
  const counters: Array<{ marker: Buffer; count: number }> = [];

  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    stats.connections++;
    const upstream = connect(target);
    sockets.add(client);
    sockets.add(upstream);
    // Whose turn it was last: a client write after a server write starts a new round trip.
    let lastSpeaker: "client" | "server" | null = null;
    client.on("data", (chunk: Buffer) => {
      if (frozen) return;
      for (const counter of counters) {
        for (let at = chunk.indexOf(counter.marker); at >= 0; at = chunk.indexOf(counter.marker, at + 1)) counter.count++;
      }
      const at = cutMarker ? chunk.indexOf(cutMarker) : -1;
      if (at >= 0) {
        cutMarker = null;
        upstream.write(chunk.subarray(0, at), () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      if (lastSpeaker !== "client") stats.roundTrips++;
      lastSpeaker = "client";
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      lastSpeaker = "server";
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");

  return {
    port: address.port,
    stats,
    resetStats() {
      stats.connections = 0;
      stats.roundTrips = 0;
    },
    cutAll() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    setFrozen(value) {
      frozen = value;
    },
    countClientBytes(marker) {
      const counter = { marker: Buffer.from(marker), count: 0 };
      counters.push(counter);
      return () => counter.count;
    },
    setDown(value) {
      down = value;
      if (down) {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }
    },
    cutOnClientBytes(marker) {
      cutMarker = marker === null ? null : Buffer.from(marker);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
