// Who is asking, as far as the runtime can tell — the one thing a request with a made-up key
// cannot choose — for limiting refused authentications per client (middleware/refused-keys.ts).
// Each entry says where its runtime puts the address:
//
//   Node                 the socket's remote address (the connection the server accepted)
//   Deno (plain)         Deno.serve's remoteAddr, likewise
//   Cloudflare Workers   CF-Connecting-IP, which Cloudflare sets and overwrites on every request
//   Supabase Edge        the last X-Forwarded-For hop: hosted functions sit behind Cloudflare,
//                        which appends the address it saw to whatever the client sent, so the
//                        first hop is the client's own claim and only the last is the platform's
//
// and CLIENT_IP_HEADER overrides it where a proxy the operator runs in front sets a header (for
// X-Forwarded-For, again the last hop: the one that proxy appended). A header is never read
// where no proxy sets it: the client would pick its own address. Addresses are grouped the way
// an abuser holds them: an IPv6 client by its /64 (one subscriber's allocation), an
// IPv4-mapped IPv6 address as the IPv4 address it carries; anything unreadable is "unknown".

import { parseIp } from "./webhooks/special-purpose-addresses.ts";

/** The client's address for a request, from the request or the runtime's per-request env. */
export type ClientAddress = (request: Request, env: unknown) => string | undefined;

/** The address a proxy in front put in `header` (for X-Forwarded-For: the hop it appended). */
export function clientAddressFromHeader(header: string): ClientAddress {
  const name = header.toLowerCase();
  return (request) => {
    const value = request.headers.get(name);
    if (value === null) return undefined;
    return name === "x-forwarded-for" ? value.split(",").at(-1)!.trim() : value.trim();
  };
}

const DOTTED = /^(?:::ffff:)?((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))$/i;

/** The group an address is limited as: IPv4 as is, IPv6 by its /64, anything else "unknown". */
export function clientBucket(address: string | undefined): string {
  if (address === undefined) return "unknown";
  // The common forms first, without a full parse: dotted IPv4, bare or IPv4-mapped.
  const v4 = DOTTED.exec(address);
  if (v4 && v4.slice(2).every((byte) => Number(byte) <= 255)) return v4[1]!;
  const bytes = parseIp(address.replace(/^\[(.*)\]$/, "$1"));
  if (bytes === undefined) return "unknown";
  const mapped = bytes.length === 16 && bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (bytes.length === 4 || mapped) return bytes.slice(-4).join(".");
  const hextets = [0, 2, 4, 6].map((at) => ((bytes[at]! << 8) | bytes[at + 1]!).toString(16));
  return `${hextets.join(":")}::/64`;
}
