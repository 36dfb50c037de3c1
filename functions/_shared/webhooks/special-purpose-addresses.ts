// Which IP addresses a webhook may be sent to: those the internet can reach. Transcribed from
// the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890), every entry with the RFC
// that made it and the registry's "Globally Reachable" column (null where the registry says
// N/A: deprecated or tunnelling blocks, refused like the False ones):
//   https://www.iana.org/assignments/iana-ipv4-special-registry/
//   https://www.iana.org/assignments/iana-ipv6-special-registry/
// The most specific entry decides (192.0.0.9/32 is reachable inside 192.0.0.0/24). Beyond the
// registries: IPv4 multicast (RFC 5771) is not unicast, and IPv6 outside 2000::/3 is not
// global unicast space (RFC 4291 §2.4; the IPv6 Address Space registry) — except the two forms
// that stand for an IPv4 address, judged by that address: IPv4-mapped (::ffff:a.b.c.d, what a
// dual-stack socket connects to over IPv4) and NAT64's well-known prefix (64:ff9b::a.b.c.d,
// which a translator forwards to a.b.c.d). The SQL check (migration
// 20261202120000_webhook_url_rules.sql) holds the same table; a test compares the two.

export interface SpecialPurposeBlock {
  /** CIDR, as the registry writes it. */
  block: string;
  name: string;
  rfc: string;
  /** The registry's "Globally Reachable"; null = N/A. Only `true` may be sent to. */
  globallyReachable: boolean | null;
}

export const IPV4_SPECIAL_PURPOSE: readonly SpecialPurposeBlock[] = [
  { block: "0.0.0.0/8", name: '"This network"', rfc: "RFC 791, section 3.2", globallyReachable: false },
  { block: "0.0.0.0/32", name: '"This host on this network"', rfc: "RFC 1122, section 3.2.1.3", globallyReachable: false },
  { block: "10.0.0.0/8", name: "Private-Use", rfc: "RFC 1918", globallyReachable: false },
  { block: "100.64.0.0/10", name: "Shared Address Space", rfc: "RFC 6598", globallyReachable: false },
  { block: "127.0.0.0/8", name: "Loopback", rfc: "RFC 1122, section 3.2.1.3", globallyReachable: false },
  { block: "169.254.0.0/16", name: "Link Local", rfc: "RFC 3927", globallyReachable: false },
  { block: "172.16.0.0/12", name: "Private-Use", rfc: "RFC 1918", globallyReachable: false },
  { block: "192.0.0.0/24", name: "IETF Protocol Assignments", rfc: "RFC 6890, section 2.1", globallyReachable: false },
  { block: "192.0.0.0/29", name: "IPv4 Service Continuity Prefix", rfc: "RFC 7335", globallyReachable: false },
  { block: "192.0.0.8/32", name: "IPv4 dummy address", rfc: "RFC 7600", globallyReachable: false },
  { block: "192.0.0.9/32", name: "Port Control Protocol Anycast", rfc: "RFC 7723", globallyReachable: true },
  { block: "192.0.0.10/32", name: "Traversal Using Relays around NAT Anycast", rfc: "RFC 8155", globallyReachable: true },
  { block: "192.0.0.170/32", name: "NAT64/DNS64 Discovery", rfc: "RFC 8880, RFC 7050 section 2.2", globallyReachable: false },
  { block: "192.0.0.171/32", name: "NAT64/DNS64 Discovery", rfc: "RFC 8880, RFC 7050 section 2.2", globallyReachable: false },
  { block: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", rfc: "RFC 5737", globallyReachable: false },
  { block: "192.31.196.0/24", name: "AS112-v4", rfc: "RFC 7535", globallyReachable: true },
  { block: "192.52.193.0/24", name: "AMT", rfc: "RFC 7450", globallyReachable: true },
  { block: "192.88.99.0/24", name: "Deprecated (6to4 Relay Anycast)", rfc: "RFC 7526", globallyReachable: null },
  { block: "192.88.99.2/32", name: "6a44-relay anycast address", rfc: "RFC 6751", globallyReachable: false },
  { block: "192.168.0.0/16", name: "Private-Use", rfc: "RFC 1918", globallyReachable: false },
  { block: "192.175.48.0/24", name: "Direct Delegation AS112 Service", rfc: "RFC 7534", globallyReachable: true },
  { block: "198.18.0.0/15", name: "Benchmarking", rfc: "RFC 2544", globallyReachable: false },
  { block: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", rfc: "RFC 5737", globallyReachable: false },
  { block: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", rfc: "RFC 5737", globallyReachable: false },
  { block: "240.0.0.0/4", name: "Reserved", rfc: "RFC 1112, section 4", globallyReachable: false },
  { block: "255.255.255.255/32", name: "Limited Broadcast", rfc: "RFC 8190, RFC 919 section 7", globallyReachable: false },
];

export const IPV6_SPECIAL_PURPOSE: readonly SpecialPurposeBlock[] = [
  { block: "::1/128", name: "Loopback Address", rfc: "RFC 4291", globallyReachable: false },
  { block: "::/128", name: "Unspecified Address", rfc: "RFC 4291", globallyReachable: false },
  { block: "::ffff:0:0/96", name: "IPv4-mapped Address", rfc: "RFC 4291", globallyReachable: false },
  { block: "64:ff9b::/96", name: "IPv4-IPv6 Translat.", rfc: "RFC 6052", globallyReachable: true },
  { block: "64:ff9b:1::/48", name: "IPv4-IPv6 Translat.", rfc: "RFC 8215", globallyReachable: false },
  { block: "100::/64", name: "Discard-Only Address Block", rfc: "RFC 6666", globallyReachable: false },
  { block: "100:0:0:1::/64", name: "Dummy IPv6 Prefix", rfc: "RFC 9780", globallyReachable: false },
  { block: "2001::/23", name: "IETF Protocol Assignments", rfc: "RFC 2928", globallyReachable: false },
  { block: "2001::/32", name: "TEREDO", rfc: "RFC 4380, RFC 8190", globallyReachable: null },
  { block: "2001:1::1/128", name: "Port Control Protocol Anycast", rfc: "RFC 7723", globallyReachable: true },
  { block: "2001:1::2/128", name: "Traversal Using Relays around NAT Anycast", rfc: "RFC 8155", globallyReachable: true },
  { block: "2001:1::3/128", name: "DNS-SD Service Registration Protocol Anycast", rfc: "RFC 9665", globallyReachable: true },
  { block: "2001:2::/48", name: "Benchmarking", rfc: "RFC 5180, RFC Errata 1752", globallyReachable: false },
  { block: "2001:3::/32", name: "AMT", rfc: "RFC 7450", globallyReachable: true },
  { block: "2001:4:112::/48", name: "AS112-v6", rfc: "RFC 7535", globallyReachable: true },
  { block: "2001:10::/28", name: "Deprecated (previously ORCHID)", rfc: "RFC 4843", globallyReachable: null },
  { block: "2001:20::/28", name: "ORCHIDv2", rfc: "RFC 7343", globallyReachable: true },
  { block: "2001:30::/28", name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix", rfc: "RFC 9374", globallyReachable: true },
  { block: "2001:db8::/32", name: "Documentation", rfc: "RFC 3849", globallyReachable: false },
  { block: "2002::/16", name: "6to4", rfc: "RFC 3056", globallyReachable: null },
  { block: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service", rfc: "RFC 7534", globallyReachable: true },
  { block: "3fff::/20", name: "Documentation", rfc: "RFC 9637", globallyReachable: false },
  { block: "5f00::/16", name: "Segment Routing (SRv6) SIDs", rfc: "RFC 9602", globallyReachable: false },
  { block: "fc00::/7", name: "Unique-Local", rfc: "RFC 4193, RFC 8190", globallyReachable: false },
  { block: "fe80::/10", name: "Link-Local Unicast", rfc: "RFC 4291", globallyReachable: false },
];

/** Not in the special-purpose registries, refused all the same. */
export const IPV4_MULTICAST: SpecialPurposeBlock = { block: "224.0.0.0/4", name: "Multicast", rfc: "RFC 5771", globallyReachable: false };
export const IPV6_GLOBAL_UNICAST = "2000::/3";

interface Prefix {
  bytes: number[];
  bits: number;
}
type Entry = Prefix & { about: SpecialPurposeBlock };

const prefixOf = (cidr: string): Prefix => {
  const [address, bits] = cidr.split("/");
  return { bytes: parseIp(address!)!, bits: Number(bits) };
};
const mostSpecificFirst = (blocks: readonly SpecialPurposeBlock[]): Entry[] =>
  blocks.map((about) => ({ ...prefixOf(about.block), about })).sort((a, b) => b.bits - a.bits);

const V4_ENTRIES = mostSpecificFirst([...IPV4_SPECIAL_PURPOSE, IPV4_MULTICAST]);
const V6_ENTRIES = mostSpecificFirst(IPV6_SPECIAL_PURPOSE);
const GLOBAL_UNICAST = prefixOf(IPV6_GLOBAL_UNICAST);
const IPV4_MAPPED = prefixOf("::ffff:0:0/96");
const NAT64_WELL_KNOWN = prefixOf("64:ff9b::/96");

export function inPrefix(ip: number[], { bytes, bits }: Prefix): boolean {
  if (ip.length !== bytes.length) return false;
  for (let i = 0, left = bits; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((ip[i]! & mask) !== (bytes[i]! & mask)) return false;
  }
  return true;
}

const label = (about: SpecialPurposeBlock) => `${about.name}, ${about.rfc.replace(/,.*/, "")}`;

/** Undefined when `ip` (4 or 16 bytes) is globally reachable unicast; otherwise what it is. */
export function addressRefusal(ip: number[]): string | undefined {
  // inPrefix compares lengths: an IPv4 address is never in these two IPv6 prefixes.
  if (inPrefix(ip, IPV4_MAPPED) || inPrefix(ip, NAT64_WELL_KNOWN)) {
    const inner = addressRefusal(ip.slice(12));
    return inner === undefined ? undefined : `${inner}, carried in IPv6`;
  }
  const entry = (ip.length === 4 ? V4_ENTRIES : V6_ENTRIES).find((candidate) => inPrefix(ip, candidate));
  if (entry) return entry.about.globallyReachable === true ? undefined : label(entry.about);
  if (ip.length === 16 && !inPrefix(ip, GLOBAL_UNICAST)) return "outside IPv6 global unicast, RFC 4291";
  return undefined;
}

/** 4 bytes for dotted IPv4, 16 for IPv6; undefined for anything else (zone ids included). */
export function parseIp(text: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((byte) => byte <= 255) ? bytes : undefined;
  }
  let address = text;
  let tail: number[] = [];
  const embedded = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(address);
  if (embedded) {
    tail = parseIp(embedded[2]!) ?? [];
    if (tail.length !== 4) return undefined;
    address = `${embedded[1]}0:0`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  // Without "::" all eight groups are written (missing is 0); "::" stands for at least one.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const bytes: number[] = [];
  for (const group of [...head, ...Array<string>(missing).fill("0"), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
