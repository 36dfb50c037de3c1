// Which URLs a webhook may be sent to. Checked when an endpoint is created or changed (the
// gateway; the database repeats every rule that needs no DNS, migration
// 20261202120000_webhook_url_rules.sql) and again before every delivery (the dispatcher),
// because DNS can change in between. Production: https only, and every address the host stands
// for globally reachable (special-purpose-addresses.ts). A URL is stored only in a plain form
// (storageProblem: ASCII, a host of letters, digits, '-', '.', '_' or an IPv6 literal), so that the
// database, which has no URL parser, reads the host as one would; deliveries parse the stored URL
// with the URL parser and apply the rest. Insecure mode (WEBHOOKS_ALLOW_INSECURE=1, for tests and
// local development): https anywhere, plain http to loopback only, no address checks. Refusals
// never say what a name resolved to, nor why resolving failed: the API must not become a probe of
// the network it runs in. Resolution is injected per runtime (node:dns, Deno.resolveDns).

import { addressRefusal, parseIp } from "./special-purpose-addresses.ts";

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

const MAX_LENGTH = 2048;
const IN_DEVELOPMENT = "WEBHOOKS_ALLOW_INSECURE=1 allows it in development";
const HTTPS_ONLY = `url must use https (plain http only to localhost, and only in development: ${IN_DEVELOPMENT}).`;
const CREDENTIALS = "url must not contain credentials; the signature authenticates each request.";
// scheme://authority then path or query; the authority ends at the first '/' or '?' (RFC 3986),
// '#' and whitespace having been refused before.
const URL_SHAPE = /^(https?):\/\/([^/?]*)([/?].*)?$/i;
const AUTHORITY = /^([a-z0-9._-]+|\[[0-9a-f:.]+\])(?::([0-9]*))?$/i;

/**
 * The form a URL must have to be stored — the database's trigger applies the same grammar, and a
 * URL parser can read nothing else into it: ASCII without spaces, `http(s)://`, no fragment, no
 * credentials, a host of letters, digits, '-', '.', '_' or a bracketed IPv6 literal, a port
 * from 1 to 65535. Undefined when the text has it.
 */
export function storageProblem(text: string): string | undefined {
  if (text.length > MAX_LENGTH) return `url must be at most ${MAX_LENGTH} characters.`;
  if (/[^\x21-\x7e]/.test(text)) {
    return "url must be ASCII without spaces: percent-encode other characters, and write an internationalised domain name in its xn-- form.";
  }
  if (text.includes("#")) return "url must not contain a fragment.";
  const shape = URL_SHAPE.exec(text);
  if (!shape) return /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^https?:/i.test(text) ? HTTPS_ONLY : "url must be an absolute URL (https://host/path).";
  const authority = shape[2]!;
  if (authority.includes("@")) return CREDENTIALS;
  const parts = AUTHORITY.exec(authority);
  if (!parts) return "url's host must be a domain name (letters, digits, '-', '.', '_') or an IP address, optionally with :port.";
  if (parts[2] && !(Number(parts[2]) >= 1 && Number(parts[2]) <= 65535)) return "url's port must be between 1 and 65535.";
  return undefined;
}

/**
 * What every URL sent to must satisfy, as a URL parser reads it (no DNS): at delivery too, where
 * an endpoint stored before storageProblem's grammar existed still gets its deliveries.
 */
export function checkUrlSyntax(text: string, allowInsecure: boolean): UrlVerdict {
  const refuse = (reason: string): UrlVerdict => ({ ok: false, reason });
  if (text.length > MAX_LENGTH) return refuse(`url must be at most ${MAX_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse("url's host is neither a valid domain name nor a valid IP address.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse(HTTPS_ONLY);
  if (url.username !== "" || url.password !== "") return refuse(CREDENTIALS);
  // A fragment, even an empty one (url.hash is "" for a bare "#").
  if (text.includes("#")) return refuse("url must not contain a fragment.");
  if (url.protocol === "http:" && !(allowInsecure && isLoopbackHost(url.hostname))) return refuse(HTTPS_ONLY);
  return { ok: true, url };
}

/** The stored form, the syntax, then the addresses the host stands for, per the policy. */
export async function checkWebhookUrl(text: string, policy: UrlPolicy): Promise<UrlVerdict> {
  const form = storageProblem(text);
  if (form !== undefined) return { ok: false, reason: form };
  const syntax = checkUrlSyntax(text, policy.allowInsecure);
  if (!syntax.ok || policy.allowInsecure) return syntax;
  const problem = await addressProblem(syntax.url.hostname, policy.resolve);
  return problem === undefined ? syntax : { ok: false, reason: problem };
}

export type AddressVerdict = { ok: true; addresses: string[] } | { ok: false; reason: string };

/**
 * The addresses `hostname` (as URL.hostname gives it) may be reached at: the literal itself, or
 * every address the resolver answers, all of them globally reachable. Without a resolver a name
 * passes with no addresses (checked at delivery).
 */
export async function publicAddresses(hostname: string, resolve: HostResolver | undefined): Promise<AddressVerdict> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isLocalhostName(host)) return { ok: false, reason: `url must not point at this machine (localhost); ${IN_DEVELOPMENT}.` };
  const literal = parseIp(host);
  if (literal) {
    const refusal = addressRefusal(literal);
    if (refusal === undefined) return { ok: true, addresses: [host] };
    return { ok: false, reason: `url must not point at a non-public address (${host}: ${refusal}); ${IN_DEVELOPMENT}.` };
  }
  if (!resolve) return { ok: true, addresses: [] };
  // One answer for both failures, and neither the addresses nor the resolver's error: a
  // difference would tell a caller which internal names exist.
  const notAllowed = { ok: false, reason: `url's host ${host} is not allowed or cannot be resolved: webhooks go to public addresses only (${IN_DEVELOPMENT}).` } as const;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return notAllowed;
  }
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) return notAllowed;
  return { ok: true, addresses };
}

/** Why `hostname` may not be sent to, or undefined when every address it has is public. */
export async function addressProblem(hostname: string, resolve: HostResolver | undefined): Promise<string | undefined> {
  const verdict = await publicAddresses(hostname, resolve);
  return verdict.ok ? undefined : verdict.reason;
}

/** Whether an address (IPv4 or IPv6 text, brackets allowed) is globally reachable unicast. */
export function isPublicAddress(address: string): boolean {
  const ip = parseIp(address.replace(/^\[|\]$/g, ""));
  return ip !== undefined && addressRefusal(ip) === undefined;
}

function isLocalhostName(host: string): boolean {
  return /^(.*\.)?localhost\.?$/i.test(host);
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (/^localhost\.?$/i.test(host)) return true;
  const ip = parseIp(host);
  return ip !== undefined && ((ip.length === 4 && ip[0] === 127) || (ip.length === 16 && ip.every((byte, i) => byte === (i === 15 ? 1 : 0))));
}
