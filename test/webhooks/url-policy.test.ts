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
import { checkUrlSyntax, checkWebhookUrl, isPublicAddress } from "../../functions/_shared/webhooks/url-policy.ts";
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

  test.each(ALL_BLOCKS.map((b) => [b.block, b.name, b.globallyReachable] as const))(
    "%s (%s, globally reachable: %s): its sample is refused unless the registry says reachable",
    async (block, _name, reachable) => {
      const address = SPECIAL_PURPOSE_SAMPLES[block]!;
      expect(isPublicAddress(address)).toBe(reachable === true);
      const verdict = await checkWebhookUrl(`https://${urlHost(address)}/hook`, { allowInsecure: false });
      expect(verdict.ok).toBe(reachable === true);
      if (!verdict.ok) expect(verdict.reason).toMatch(/^url must not point at a non-public address/);
    },
  );
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
