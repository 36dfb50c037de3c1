// The SSRF rules for webhook URLs: what is refused outside insecure mode, at creation (the
// gateway) and at delivery (the dispatcher, after DNS may have changed).

import { describe, expect, test } from "vitest";
import { createFetchSender } from "../../functions/_shared/webhooks/sender.ts";
import { checkWebhookUrl, isPublicAddress, parseIp } from "../../functions/_shared/webhooks/url-policy.ts";

describe("address classification", () => {
  test.each([
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
    "169.254.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "::ffff:7f00:1", "64:ff9b::10.0.0.1", "2002:c0a8:0101::1", "2001:db8::1", "::127.0.0.1",
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
  };
  const policy = {
    allowInsecure: false,
    resolve: async (host: string) => {
      const addresses = dns[host];
      if (!addresses) throw new Error("ENOTFOUND");
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
    ["https://[::1]/", /non-public/],
    ["https://[::ffff:169.254.169.254]/", /non-public/],
    ["https://169.254.169.254/latest/meta-data/", /non-public/],
    ["https://internal.example.com/", /resolves to a non-public address \(10\.0\.0\.5\)/],
    ["https://mixed.example.com/", /169\.254\.169\.254/],
    ["https://v6.example.com/", /::1/],
    ["https://nowhere.example.com/", /could not be resolved/],
    ["not a url", /absolute URL/],
  ])("%s is refused", async (url, reason) => {
    const verdict = await checkWebhookUrl(url, policy);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  test("insecure mode allows http to loopback only", async () => {
    expect((await checkWebhookUrl("http://127.0.0.1:9/x", { allowInsecure: true })).ok).toBe(true);
    expect((await checkWebhookUrl("http://localhost:9/x", { allowInsecure: true })).ok).toBe(true);
    expect((await checkWebhookUrl("http://hooks.example.com/x", { allowInsecure: true })).ok).toBe(false);
  });
});

describe("the sender checks again at delivery time (DNS rebinding)", () => {
  test("a host that now resolves to a private address is refused without a request", async () => {
    let fetched = 0;
    const send = createFetchSender({
      timeoutMs: 1000,
      maxResponseBytes: 100,
      allowInsecure: false,
      resolve: async () => ["192.168.0.10"],
      fetch: (async () => {
        fetched++;
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    const result = await send({ url: "https://rebinding.example.com/hook", headers: {}, body: "{}" });
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/^Refused: .*192\.168\.0\.10/);
    expect(fetched).toBe(0);
  });

  test("redirects are not followed: a 3xx is a failure", async () => {
    const send = createFetchSender({
      timeoutMs: 1000,
      maxResponseBytes: 100,
      allowInsecure: false,
      resolve: async () => ["93.184.216.34"],
      fetch: (async (_url: unknown, init?: RequestInit) => {
        expect(init?.redirect).toBe("manual");
        return new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/" } });
      }) as typeof fetch,
    });
    const result = await send({ url: "https://hooks.example.com/", headers: {}, body: "{}" });
    expect(result).toMatchObject({ statusCode: 302, error: "Redirects are not followed." });
  });
});
