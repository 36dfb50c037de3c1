// Webhook signatures as a subscriber verifies them: every header a Standard Webhooks library
// checks, one signature per active secret, each valid on its own.

import { Webhook } from "standardwebhooks";
import { describe, expect, test, vi } from "vitest";
import { signatureHeaders } from "../../functions/_shared/webhooks/signing.ts";

const OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw5Qw0kY2hR9c=";
const NEW = `whsec_${Buffer.from("another secret of 32 bytes......").toString("base64")}`;
const BODY = '{"type":"activity.created","data":{}}';
const AT = new Date("2026-04-17T14:23:05.678Z");

describe("signatureHeaders", () => {
  test("webhook-id is the event id; webhook-timestamp the attempt's Unix seconds", () => {
    const headers = signatureHeaders("evt_1", AT, BODY, [OLD]);
    expect(Object.keys(headers)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    expect(headers["webhook-id"]).toBe("evt_1");
    expect(headers["webhook-timestamp"]).toBe("1776435785");
  });

  test("one v1 signature per secret, space-separated; a subscriber on either secret verifies", () => {
    const headers = signatureHeaders("evt_1", AT, BODY, [OLD, NEW]);
    const signatures = headers["webhook-signature"].split(" ");
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(signatures[0]).toBe(new Webhook(OLD).sign("evt_1", AT, BODY));
    expect(signatures[1]).toBe(new Webhook(NEW).sign("evt_1", AT, BODY));
    // The library checks the timestamp against its clock: verify a minute after the attempt.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(AT.getTime() + 60_000);
    try {
      expect(new Webhook(OLD).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
      expect(new Webhook(NEW).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
    } finally {
      vi.useRealTimers();
    }
  });

  test("a signature covers the id, the time and the body", () => {
    const base = signatureHeaders("evt_1", AT, BODY, [OLD])["webhook-signature"];
    expect(signatureHeaders("evt_2", AT, BODY, [OLD])["webhook-signature"]).not.toBe(base);
    expect(signatureHeaders("evt_1", new Date(AT.getTime() + 1000), BODY, [OLD])["webhook-signature"]).not.toBe(base);
    expect(signatureHeaders("evt_1", AT, `${BODY} `, [OLD])["webhook-signature"]).not.toBe(base);
  });

  test("without an active secret nothing is sent unsigned", () => {
    expect(() => signatureHeaders("evt_1", AT, BODY, [])).toThrow("no active signing secret");
  });
});
