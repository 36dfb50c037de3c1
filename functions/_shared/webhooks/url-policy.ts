// Which URLs a webhook may be sent to. Checked when an endpoint is created or changed (the
// gateway) and again before every delivery (the dispatcher), because DNS can change in between
// (rebinding). Production: https only, and every address the host resolves to must be public —
// not private, loopback, link-local (cloud metadata lives there), CGNAT, multicast, reserved or
// documentation ranges, in IPv4 or IPv6 (including IPv4-mapped and NAT64 forms). Insecure mode
// (WEBHOOKS_ALLOW_INSECURE=1, for tests and local development): https anywhere, plain http to
// loopback only, no address checks. Resolution is injected per runtime (node:dns, Deno.resolveDns).

/** Every IPv4/IPv6 address `hostname` resolves to. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/**
 * A HostResolver over a DNS API that asks by record type (Deno.resolveDns): every A and AAAA
 * address, failing only when there is neither.
 */
export function resolverByRecordType(resolveDns: (name: string, type: "A" | "AAAA") => Promise<string[]>): HostResolver {
  return async (hostname) => {
    const answers = await Promise.allSettled([resolveDns(hostname, "A"), resolveDns(hostname, "AAAA")]);
    const addresses = answers.flatMap((answer) => (answer.status === "fulfilled" ? answer.value : []));
    if (addresses.length === 0) throw new Error("no A or AAAA record");
    return addresses;
  };
}

export interface UrlPolicy {
  allowInsecure: boolean;
  /** Absent where the runtime cannot resolve names: hostnames are then checked at delivery only. */
  resolve?: HostResolver;
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const LOOPBACK_NAMES = new Set(["localhost", "localhost."]);

/** Syntax and scheme only (no DNS): what can be known from the text. */
export function checkUrlSyntax(text: string, allowInsecure: boolean): UrlVerdict {
  if (text.length > 2048) return { ok: false, reason: "url must be at most 2048 characters." };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "url must be an absolute URL." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: "url must use https." };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, reason: "url must not contain credentials; the signature authenticates each request." };
  }
  if (url.hash !== "" || text.includes("#")) return { ok: false, reason: "url must not contain a fragment." };
  if (url.protocol === "http:" && !(allowInsecure && isLoopbackHost(url.hostname))) {
    return { ok: false, reason: "url must use https." };
  }
  return { ok: true, url };
}

/** Syntax, then the addresses the host stands for, per the policy. */
export async function checkWebhookUrl(text: string, policy: UrlPolicy): Promise<UrlVerdict> {
  const syntax = checkUrlSyntax(text, policy.allowInsecure);
  if (!syntax.ok || policy.allowInsecure) return syntax;
  const problem = await addressProblem(syntax.url.hostname, policy.resolve);
  return problem === undefined ? syntax : { ok: false, reason: problem };
}

/** Why `hostname` may not be sent to, or undefined when every address it has is public. */
export async function addressProblem(hostname: string, resolve: HostResolver | undefined): Promise<string | undefined> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (LOOPBACK_NAMES.has(host.toLowerCase()) || /\.localhost\.?$/i.test(host)) {
    return "url must not point at this machine (localhost).";
  }
  const literal = parseIp(host);
  if (literal) return isPublic(literal) ? undefined : `url must not point at a non-public address (${host}).`;
  if (!resolve) return undefined;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return `url's host ${host} could not be resolved (${error instanceof Error ? error.message : String(error)}).`;
  }
  if (addresses.length === 0) return `url's host ${host} has no address.`;
  for (const address of addresses) {
    const parsed = parseIp(address);
    if (!parsed || !isPublic(parsed)) return `url's host ${host} resolves to a non-public address (${address}).`;
  }
  return undefined;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (LOOPBACK_NAMES.has(host.toLowerCase())) return true;
  const ip = parseIp(host);
  return ip !== undefined && ((ip.length === 4 && ip[0] === 127) || (ip.length === 16 && ip.every((byte, i) => byte === (i === 15 ? 1 : 0))));
}

/** Whether an address (4 or 16 bytes) is globally routable unicast. */
export function isPublicAddress(address: string): boolean {
  const ip = parseIp(address.replace(/^\[|\]$/g, ""));
  return ip !== undefined && isPublic(ip);
}

function isPublic(ip: number[]): boolean {
  return ip.length === 4 ? isPublicV4(ip) : isPublicV6(ip);
}

// [first address, prefix length] of the IPv4 ranges that are never a webhook subscriber.
const BLOCKED_V4: Array<[number[], number]> = [
  [[0, 0, 0, 0], 8], // "this network"
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local, cloud metadata (169.254.169.254)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, broadcast
];

function inPrefix(ip: number[], base: number[], bits: number): boolean {
  for (let i = 0; i < base.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

function isPublicV4(ip: number[]): boolean {
  return !BLOCKED_V4.some(([base, bits]) => inPrefix(ip, base, bits));
}

const V6 = (text: string) => parseIp(text)!;
const BLOCKED_V6: Array<[number[], number]> = [
  [V6("::"), 128], // unspecified
  [V6("::1"), 128], // loopback
  [V6("100::"), 64], // discard
  [V6("2001:db8::"), 32], // documentation
  [V6("2001::"), 23], // IETF protocol assignments (Teredo, ORCHID…)
  [V6("fc00::"), 7], // unique local (fd00:ec2::254 is AWS's metadata)
  [V6("fe80::"), 10], // link-local
  [V6("fec0::"), 10], // site-local (deprecated)
  [V6("ff00::"), 8], // multicast
];

function isPublicV6(ip: number[]): boolean {
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
  // addresses reach the embedded IPv4 address: judge that one.
  const zeros = (from: number, to: number) => ip.slice(from, to).every((byte) => byte === 0);
  if (zeros(0, 10) && ip[10] === 0xff && ip[11] === 0xff) return isPublicV4(ip.slice(12));
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && ip[15] === 1)) return isPublicV4(ip.slice(12));
  if (inPrefix(ip, V6("64:ff9b::"), 96) || inPrefix(ip, V6("64:ff9b:1::"), 48)) return isPublicV4(ip.slice(12));
  if (inPrefix(ip, V6("2002::"), 16)) return isPublicV4(ip.slice(2, 6)); // 6to4
  return !BLOCKED_V6.some(([base, bits]) => inPrefix(ip, base, bits));
}

/** 4 bytes for dotted IPv4, 16 for IPv6 (zone ids dropped); undefined for anything else. */
export function parseIp(text: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((byte) => byte <= 255) ? bytes : undefined;
  }
  if (!text.includes(":")) return undefined;
  let address = text.replace(/%.*$/, "");
  let tail: number[] = [];
  const embedded = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(address);
  if (embedded) {
    const v4bytes = parseIp(embedded[2]!);
    if (!v4bytes) return undefined;
    tail = v4bytes;
    address = `${embedded[1]}0:0`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
