// Where the refused-key limit finds the client, and how addresses are grouped: an IPv6 client by
// its /64, an IPv4-mapped address as its IPv4 address, a proxy's header by the hop that proxy
// appended (the last), never the client's own claim (the first); CLIENT_IP_HEADER overrides the
// runtime's source.

import { describe, expect, test } from "vitest";
import { clientAddressFromHeader, clientBucket } from "../../functions/_shared/client-address.ts";
import type { Database } from "../../functions/_shared/db/database.ts";
import { GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";
import { silentLogger } from "../../functions/_shared/log.ts";
import { createServices } from "../../functions/api-gateway/services.ts";

describe("grouping addresses", () => {
  test.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["::ffff:cb00:7107", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"],
    ["[2001:db8:1:2::9]", "2001:db8:1:2::/64"],
    ["2001:db8:1:3::1", "2001:db8:1:3::/64"],
    ["not an address", "unknown"],
    ["203.0.113.7:443", "unknown"],
    [undefined, "unknown"],
  ])("%s → %s", (address, bucket) => {
    expect(clientBucket(address)).toBe(bucket);
  });
});

describe("reading a proxy's header", () => {
  const request = (headers: Record<string, string>) => new Request("http://api.test/v1/activities", { headers });

  test("X-Forwarded-For: the last hop, the one the proxy in front appended", () => {
    const from = clientAddressFromHeader("X-Forwarded-For");
    expect(from(request({ "X-Forwarded-For": "198.51.100.1, 203.0.113.7" }), undefined)).toBe("203.0.113.7");
    expect(from(request({ "X-Forwarded-For": "203.0.113.7" }), undefined)).toBe("203.0.113.7");
    expect(from(request({}), undefined)).toBeUndefined();
  });

  test("any other header: its value", () => {
    expect(clientAddressFromHeader("cf-connecting-ip")(request({ "CF-Connecting-IP": " 203.0.113.7 " }), undefined)).toBe("203.0.113.7");
  });

  test("CLIENT_IP_HEADER wins over the runtime's own source; without it the runtime's is used", () => {
    const db: Database = { rpc: async () => ({}), close: async () => {} };
    const socket = () => "192.0.2.1";
    const forwarded = request({ "X-Real-IP": "203.0.113.7" });
    const configured = createServices(parseEnv(GatewayEnvSchema, { CLIENT_IP_HEADER: "x-real-ip" }), db, { logger: silentLogger, clientAddress: socket });
    expect(configured.clientAddress(forwarded, undefined)).toBe("203.0.113.7");
    const plain = createServices(parseEnv(GatewayEnvSchema, {}), db, { logger: silentLogger, clientAddress: socket });
    expect(plain.clientAddress(forwarded, undefined)).toBe("192.0.2.1");
    expect(() => parseEnv(GatewayEnvSchema, { CLIENT_IP_HEADER: "x real ip" })).toThrow(/CLIENT_IP_HEADER must be a header name/);
  });
});
