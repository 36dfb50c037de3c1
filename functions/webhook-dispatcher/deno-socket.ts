// The webhook sender's sockets on Deno (Supabase Edge Functions): TCP to the address the URL
// policy checked, then TLS verified for — and with SNI naming — the URL's host. Deno's fetch
// cannot be pinned to an address: it resolves the name itself, and Deno.createHttpClient's
// `proxy: { transport: "tcp" }` speaks plain proxy HTTP to that socket (no TLS to the origin).
// Deno.connect + Deno.startTls are stable APIs and available on Supabase's edge runtime (the
// dispatcher's own postgres.js connection uses them).

import type { Connect, Connection } from "../_shared/webhooks/sender.ts";

/** The slice of the Deno namespace used here (reached through globalThis by the entry). */
export interface DenoSockets {
  connect(options: { hostname: string; port: number }): Promise<Connection>;
  startTls(conn: Connection, options: { hostname: string }): Promise<Connection>;
}

export function denoConnect(deno: DenoSockets): Connect {
  return async ({ host, port, tls }) => {
    const tcp = await deno.connect({ hostname: host, port });
    if (!tls) return tcp;
    try {
      return await deno.startTls(tcp, { hostname: tls.serverName });
    } catch (error) {
      tcp.close();
      throw error;
    }
  };
}
