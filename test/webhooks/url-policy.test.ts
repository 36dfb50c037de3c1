// The SSRF rules for webhook URLs (the gateway's and the dispatcher's policy): what is refused
// outside insecure mode, block by block of the IANA special-purpose registries, and how refusals
// read. The senders' use of it at delivery time: socket-sender.test.ts, node-sender.test.ts.

import { describe, expect, test } from "vitest";
import {
  inPrefix,
  IPV4_MULTICAST,
  IPV4_SPECIAL_PURPOSE,
  IPV6_SPECIAL_PURPOSE,
  parseIp,
} from "../../functions/_shared/webhooks/special-purpose-addresses.ts";
import {
  addressProblem,
  checkUrlSyntax,
  checkWebhookUrl,
  isPublicAddress,
  publicAddresses,
  resolverByRecordType,
} from "../../functions/_shared/webhooks/url-policy.ts";
import { SPECIAL_PURPOSE_SAMPLES, urlHost } from "./special-purpose-samples.ts";

const ALL_BLOCKS = [...IPV4_SPECIAL_PURPOSE, IPV4_MULTICAST, ...IPV6_SPECIAL_PURPOSE];
const prefix = (cidr: string) => ({ bytes: parseIp(cidr.split("/")[0]!)!, bits: Number(cidr.split("/")[1]) });

describe("every block of the IANA special-purpose registries", () => {
  test("each block has a sample address that it, and no more specific block, covers", () => {
    expect(Object.keys(SPECIAL_PURPOSE_SAMPLES).sort()).toEqual(ALL_BLOCKS.map((b) => b.block).sort());
    for (const { block } of ALL_BLOCKS) {
      const sample = parseIp(SPECIAL_PURPOSE_SAMPLES[block]!)!;
      const covering = ALL_BLOCKS.filter((other) => inPrefix(sample, prefix(other.block)));
      const mostSpecific = Math.max(...covering.map((other) => prefix(other.block).bits));
      expect(prefix(block).bits, `${block}: ${SPECIAL_PURPOSE_SAMPLES[block]}`).toBe(mostSpecific);
    }
  });

  // The registries' "Globally Reachable: True" entries, written out here rather than read from the
  // table under test, so that a wrong flag in the table fails.
  const REACHABLE = new Set([
    "192.0.0.9/32", "192.0.0.10/32", "192.31.196.0/24", "192.52.193.0/24", "192.175.48.0/24",
    "64:ff9b::/96", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:3::/32", "2001:4:112::/48",
    "2001:20::/28", "2001:30::/28", "2620:4f:8000::/48",
  ]);

  test.each(ALL_BLOCKS.map((b) => [b.block, b.name] as const))(
    "%s (%s): its sample is refused unless the registry says globally reachable",
    async (block) => {
      const address = SPECIAL_PURPOSE_SAMPLES[block]!;
      expect(isPublicAddress(address)).toBe(REACHABLE.has(block));
      const verdict = await checkWebhookUrl(`https://${urlHost(address)}/hook`, { allowInsecure: false });
      expect(verdict.ok).toBe(REACHABLE.has(block));
      if (!verdict.ok) expect(verdict.reason).toMatch(/^url must not point at a non-public address/);
    },
  );

  test("a refusal names the registry entry and its RFC (every block's wording)", async () => {
    const reasons: Record<string, string> = {};
    for (const { block } of ALL_BLOCKS.filter((b) => !REACHABLE.has(b.block))) {
      reasons[block] = (await addressProblem(urlHost(SPECIAL_PURPOSE_SAMPLES[block]!), undefined)) ?? "accepted";
    }
    expect(reasons).toMatchSnapshot();
  });
});

describe("address classification beyond the registries", () => {
  test.each([
    "::ffff:0:7f00:1", // IPv4-translated (SIIT, ::ffff:0:0:0/96) 127.0.0.1
    "::ffff:0:a9fe:a9fe", // IPv4-translated 169.254.169.254
    "::ffff:0:808:808", // IPv4-translated, even of a public address: not global unicast
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::127.0.0.1", "::8.8.8.8",
    "64:ff9b::10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:c0a8:101::1", "2001:0:808:808::1",
    "ff02::1", "ff0e::1", "fec0::1", "4000::1", "233.252.0.1", "fe80::1%1",
  ])("%s is not public", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  test.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  test.each([
    ["2001:db8:0:0:0:0:0:1", [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ["1:2:3:4:5:6::8", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 0, 0, 8]],
    ["::ffff:192.168.100.200", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 168, 100, 200]],
    ["1:2:3:4:5:6:93.184.216.34", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 93, 184, 216, 34]],
    ["FFFF::ABCD", [255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd]],
    ["255.255.255.255", [255, 255, 255, 255]],
  ])("%s is read as its bytes", (text, bytes) => {
    expect(parseIp(text)).toEqual(bytes);
  });

  test.each([
    "256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.1000", " 1.2.3.4",
    "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "12345::1", "1:2:3:4:5:6:7:12345", "g::1", "::1g",
    ":1::2", "1:::2", "::1.2", "::1.2.3.256", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4.5", "fe80::1%eth0",
  ])("%j is not an IP address", (text) => {
    expect(parseIp(text)).toBeUndefined();
    expect(isPublicAddress(text)).toBe(false);
  });

  test("an address in brackets, as a URL writes it, is judged like the bare one", () => {
    expect(isPublicAddress("[2606:4700:4700::1111]")).toBe(true);
    expect(isPublicAddress("[::1]")).toBe(false);
  });

  test("IPv6 parsing", () => {
    expect(parseIp("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseIp("1::2:3::4")).toBeUndefined();
    expect(parseIp("example.com")).toBeUndefined();
  });
});

describe("checkWebhookUrl outside insecure mode", () => {
  const dns: Record<string, string[]> = {
    "hooks.example.com": ["93.184.216.34"],
    "internal.example.com": ["10.0.0.5"],
    "mixed.example.com": ["93.184.216.34", "169.254.169.254"],
    "v6.example.com": ["::1"],
    "translated.example.com": ["::ffff:0:a9fe:a9fe"],
  };
  const policy = {
    allowInsecure: false,
    resolve: async (host: string) => {
      const addresses = dns[host];
      if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
      return addresses;
    },
  };

  test("a public https URL passes", async () => {
    expect(await checkWebhookUrl("https://hooks.example.com/crm?x=1", policy)).toMatchObject({ ok: true });
  });

  test.each([
    ["http://hooks.example.com/", /https/],
    ["ftp://hooks.example.com/", /https/],
    ["https://user:pw@hooks.example.com/", /credentials/],
    ["https://hooks.example.com/#frag", /fragment/],
    ["https://localhost/", /localhost/],
    ["https://api.localhost/", /localhost/],
    ["https://127.0.0.1/", /non-public/],
    ["https://2130706433/", /non-public/], // 127.0.0.1 in decimal: the URL parser normalises it
    ["https://0x7f.1/", /non-public/],
    ["https://0177.0.0.1/", /non-public/],
    ["https://127.0.0.1./", /non-public/],
    ["https://[::1]/", /non-public/],
    ["https://[::ffff:169.254.169.254]/", /non-public/],
    ["https://[::ffff:0:7f00:1]/", /non-public/],
    ["https://[::ffff:0:a9fe:a9fe]/latest/meta-data/", /non-public/],
    ["https://169.254.169.254/latest/meta-data/", /non-public/],
    ["https://%31%32%37.0.0.1/", /host must be a domain name/],
    ["https://\uff11\uff12\uff17.0.0.1/", /ASCII/],
    ["https://[fe80::1%25eth0]/", /host must be a domain name/],
    ["https://hooks.example.com:0/", /port/],
    ["https://09/", /neither a valid domain name nor a valid IP address/],
    ["https:hooks.example.com/", /absolute URL/],
    ["https://hooks.example.com/a b", /ASCII/],
    ["not a url", /ASCII/],
    ["nota-url", /absolute URL/],
  ])("%s is refused", async (url, reason) => {
    const verdict = await checkWebhookUrl(url, policy);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  test("a name is refused alike whether it resolves to a non-public address or not at all: the answer tells nothing about the network", async () => {
    const reasons: string[] = [];
    for (const host of ["internal.example.com", "mixed.example.com", "v6.example.com", "translated.example.com", "nowhere.example.com"]) {
      const verdict = await checkWebhookUrl(`https://${host}/`, policy);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) reasons.push(verdict.reason.replace(host, "HOST"));
    }
    expect(new Set(reasons).size).toBe(1);
    expect(reasons[0]).toBe(
      "url's host HOST is not allowed or cannot be resolved: webhooks go to public addresses only (WEBHOOKS_ALLOW_INSECURE=1 allows it in development).",
    );
    for (const leak of ["10.0.0.5", "169.254", "::1", "a9fe", "ENOTFOUND", "getaddrinfo"]) expect(reasons[0]).not.toContain(leak);
  });

  test("refusals of http and of loopback say that WEBHOOKS_ALLOW_INSECURE=1 allows them in development", async () => {
    for (const url of ["http://hooks.example.com/", "http://127.0.0.1:9/", "https://localhost/", "https://127.0.0.1/"]) {
      const verdict = await checkWebhookUrl(url, policy);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toContain("WEBHOOKS_ALLOW_INSECURE=1 allows it in development");
    }
  });

  test("the scheme may be written in capitals", async () => {
    const verdict = await checkWebhookUrl("HTTPS://hooks.example.com/crm", policy);
    expect(verdict).toMatchObject({ ok: true });
    expect(checkUrlSyntax("Https://hooks.example.com/", false).ok).toBe(true);
  });

  test("insecure mode allows http to loopback only", async () => {
    expect((await checkWebhookUrl("http://127.0.0.1:9/x", { allowInsecure: true })).ok).toBe(true);
    expect((await checkWebhookUrl("http://localhost:9/x", { allowInsecure: true })).ok).toBe(true);
    expect((await checkWebhookUrl("HTTP://[::1]:9/x", { allowInsecure: true })).ok).toBe(true);
    expect((await checkWebhookUrl("http://hooks.example.com/x", { allowInsecure: true })).ok).toBe(false);
    expect((await checkWebhookUrl("https://10.0.0.1/x", { allowInsecure: true })).ok).toBe(true);
  });
});

describe("the stored form of a URL", () => {
  const policy = { allowInsecure: false, resolve: async () => ["93.184.216.34"] };
  const refusal = async (url: string) => {
    const verdict = await checkWebhookUrl(url, policy);
    return verdict.ok ? undefined : verdict.reason;
  };

  test("a URL of 2,048 characters is stored, one of 2,049 refused, at creation and at delivery alike", async () => {
    const base = "https://hooks.example.com/";
    const atLimit = base + "a".repeat(2048 - base.length);
    expect(await refusal(atLimit)).toBeUndefined();
    expect(checkUrlSyntax(atLimit, false).ok).toBe(true);
    expect(await refusal(`${atLimit}a`)).toBe("url must be at most 2048 characters.");
    expect(checkUrlSyntax(`${atLimit}a`, false)).toEqual({ ok: false, reason: "url must be at most 2048 characters." });
  });

  test.each([
    "https://hooks.example.com",
    "https://hooks.example.com?x=1",
    "https://hooks.example.com/a@b?next=c@d",
    "https://hooks.example.com/~user/!x/$&'()*+,;=",
    "https://Hooks_1.Example-Site.COM:8443/crm",
    "https://hooks.example.com:1/",
    "https://hooks.example.com:65535/",
    "https://hooks.example.com:/",
    "https://93.184.216.34:8443/",
    "https://[2606:4700:4700::1111]:443/",
    "https://[::ffff:93.184.216.34]/",
  ])("%s is accepted", async (url) => {
    expect(await refusal(url)).toBeUndefined();
  });

  test.each([
    ["https://hooks.example.com/\x7f", "url must be ASCII without spaces: percent-encode other characters, and write an internationalised domain name in its xn-- form."],
    ["https://hooks.example.com/\x1f", "url must be ASCII without spaces: percent-encode other characters, and write an internationalised domain name in its xn-- form."],
    ["https://hooks.example.com/#", "url must not contain a fragment."],
    ["https://hooks.example.com#@evil.example/", "url must not contain a fragment."],
    [`https://hooks.example.com/ ${"a".repeat(2048)}`, "url must be at most 2048 characters."],
    ["http:hooks.example.com", "url must be an absolute URL (https://host/path)."],
    ["https://hooks.example.com:65536/", "url's port must be between 1 and 65535."],
    ["https://hooks.example.com:99999/", "url's port must be between 1 and 65535."],
    ["https://hooks.example.com:0/", "url's port must be between 1 and 65535."],
    ["https://hooks.example.com:https/", "url's host must be a domain name (letters, digits, '-', '.', '_') or an IP address, optionally with :port."],
    ["https://hooks.example.com:443:443/", "url's host must be a domain name (letters, digits, '-', '.', '_') or an IP address, optionally with :port."],
    ["https:///hook", "url's host must be a domain name (letters, digits, '-', '.', '_') or an IP address, optionally with :port."],
    ["https://[hooks.example.com]/", "url's host must be a domain name (letters, digits, '-', '.', '_') or an IP address, optionally with :port."],
    ["https://x[::1]/", "url's host must be a domain name (letters, digits, '-', '.', '_') or an IP address, optionally with :port."],
    ["https://@hooks.example.com/", "url must not contain credentials; the signature authenticates each request."],
    ["https://hooks.example.com@169.254.169.254/", "url must not contain credentials; the signature authenticates each request."],
    ["mailto:ops@example.com", "url must use https (plain http only to localhost, and only in development: WEBHOOKS_ALLOW_INSECURE=1 allows it in development)."],
    ["WSS://hooks.example.com/", "url must use https (plain http only to localhost, and only in development: WEBHOOKS_ALLOW_INSECURE=1 allows it in development)."],
    ["HTTPS:hooks.example.com", "url must be an absolute URL (https://host/path)."],
    ["//hooks.example.com/", "url must be an absolute URL (https://host/path)."],
    ["1https://hooks.example.com/", "url must be an absolute URL (https://host/path)."],
    ["xhttps://hooks.example.com/", "url must use https (plain http only to localhost, and only in development: WEBHOOKS_ALLOW_INSECURE=1 allows it in development)."],
  ])("%j is refused: %s", async (url, reason) => {
    expect(await refusal(url)).toBe(reason);
  });
});

describe("at delivery, a URL stored before the stored form existed", () => {
  test.each([
    ["https://user@hooks.example.com/", /credentials/],
    ["https://:secret@hooks.example.com/", /credentials/],
    ["https://hooks.example.com/#", /fragment/],
    ["https://hooks.example.com/#x", /fragment/],
    ["wss://hooks.example.com/", /https/],
  ])("%s is refused", (url, reason) => {
    const verdict = checkUrlSyntax(url, false);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });
});

describe("insecure mode's plain http: loopback only", () => {
  test.each(["http://127.0.0.1/", "http://127.255.0.2:8080/", "http://localhost/", "http://localhost./", "http://[::1]/"])("%s is allowed", (url) => {
    expect(checkUrlSyntax(url, true)).toMatchObject({ ok: true });
    expect(checkUrlSyntax(url, false)).toMatchObject({ ok: false });
  });

  test.each([
    "http://128.0.0.1/",
    "http://10.0.0.1/",
    "http://[::]/",
    "http://[::2]/",
    "http://[::101]/",
    "http://[1::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[7f00::1]/",
    "http://0.0.0.0/",
    "http://api.localhost/",
    "http://localhost.example.com/",
    "http://mylocalhost/",
  ])("%s is not", (url) => {
    expect(checkUrlSyntax(url, true)).toMatchObject({ ok: false, reason: expect.stringMatching(/^url must use https/) });
  });
});

describe("the addresses a delivery may connect to", () => {
  const resolveTo = (addresses: string[]) => async () => addresses;
  const unused = async (): Promise<string[]> => {
    throw new Error("a literal address is never resolved");
  };

  test("an IP literal is its own address, without its brackets, and is not resolved", async () => {
    expect(await publicAddresses("93.184.216.34", unused)).toEqual({ ok: true, addresses: ["93.184.216.34"] });
    expect(await publicAddresses("[2606:4700:4700::1111]", unused)).toEqual({ ok: true, addresses: ["2606:4700:4700::1111"] });
    expect(await publicAddresses("2606:4700:4700::1111", unused)).toEqual({ ok: true, addresses: ["2606:4700:4700::1111"] });
  });

  test("a name: every address it resolves to, when all are public", async () => {
    expect(await publicAddresses("hooks.example.com", resolveTo(["93.184.216.34", "2606:2800:220:1::1"]))).toEqual({
      ok: true,
      addresses: ["93.184.216.34", "2606:2800:220:1::1"],
    });
  });

  test("a name without a resolver passes with no address (the delivery checks it); one resolving to nothing is refused", async () => {
    expect(await publicAddresses("hooks.example.com", undefined)).toEqual({ ok: true, addresses: [] });
    expect(await addressProblem("hooks.example.com", undefined)).toBeUndefined();
    expect(await addressProblem("hooks.example.com", resolveTo([]))).toBe(
      "url's host hooks.example.com is not allowed or cannot be resolved: webhooks go to public addresses only (WEBHOOKS_ALLOW_INSECURE=1 allows it in development).",
    );
  });

  test.each(["localhost", "LOCALHOST", "localhost.", "a.b.localhost", "api.localhost."])("%s is refused without being resolved", async (host) => {
    expect(await publicAddresses(host, unused)).toEqual({
      ok: false,
      reason: "url must not point at this machine (localhost); WEBHOOKS_ALLOW_INSECURE=1 allows it in development.",
    });
  });

  test.each(["localhost.example.com", "mylocalhost", "localhostx"])("%s is an ordinary name", async (host) => {
    expect(await publicAddresses(host, resolveTo(["93.184.216.34"]))).toEqual({ ok: true, addresses: ["93.184.216.34"] });
  });

  test.each([
    ["10.1.2.3", "10.1.2.3: Private-Use, RFC 1918"],
    ["[fe80::1]", "fe80::1: Link-Local Unicast, RFC 4291"],
    ["[::ffff:a9fe:a9fe]", "::ffff:a9fe:a9fe: Link Local, RFC 3927, carried in IPv6"],
    ["[64:ff9b::7f00:1]", "64:ff9b::7f00:1: Loopback, RFC 1122, carried in IPv6"],
    ["[ff02::1]", "ff02::1: outside IPv6 global unicast, RFC 4291"],
    ["192.88.99.1", "192.88.99.1: Deprecated (6to4 Relay Anycast), RFC 7526"],
  ])("the refusal of %s names what the address is", async (host, what) => {
    expect(await addressProblem(host, undefined)).toBe(`url must not point at a non-public address (${what}); WEBHOOKS_ALLOW_INSECURE=1 allows it in development.`);
  });
});

describe("resolving by record type (Deno.resolveDns)", () => {
  const records: Record<string, { A?: string[]; AAAA?: string[] }> = {
    "both.example.com": { A: ["93.184.216.34"], AAAA: ["2606:2800:220:1::1"] },
    "v4.example.com": { A: ["93.184.216.34", "93.184.216.35"] },
    "v6.example.com": { AAAA: ["2606:2800:220:1::1"] },
    "empty.example.com": { A: [], AAAA: [] },
  };
  const resolveDns = async (name: string, type: "A" | "AAAA") => {
    const answer = records[name]?.[type];
    if (!answer) throw new Error(`NXDOMAIN ${name} ${type}`);
    return answer;
  };
  const resolve = resolverByRecordType(resolveDns);

  test("every A and every AAAA address of the name", async () => {
    expect(await resolve("both.example.com")).toEqual(["93.184.216.34", "2606:2800:220:1::1"]);
    expect(await resolve("v4.example.com")).toEqual(["93.184.216.34", "93.184.216.35"]);
  });

  test("a name with only AAAA records (or only A) is reachable", async () => {
    expect(await resolve("v6.example.com")).toEqual(["2606:2800:220:1::1"]);
    expect(await checkWebhookUrl("https://v6.example.com/", { allowInsecure: false, resolve })).toMatchObject({ ok: true });
  });

  test("a name with no address at all fails, and such a URL is refused", async () => {
    await expect(resolve("nowhere.example.com")).rejects.toThrow();
    await expect(resolve("empty.example.com")).rejects.toThrow();
    for (const host of ["nowhere.example.com", "empty.example.com"]) {
      expect(await checkWebhookUrl(`https://${host}/`, { allowInsecure: false, resolve })).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot be resolved/) });
    }
  });
});
