// Standard Webhooks signatures (standardwebhooks package): `webhook-id` is the event id, the
// same on every attempt and for every endpoint; `webhook-timestamp` is the attempt's time in
// Unix seconds; `webhook-signature` holds one `v1,<base64 HMAC-SHA256 of id.timestamp.body>`
// per active secret, space-separated, so a subscriber mid-rotation verifies with either.

import { Webhook } from "standardwebhooks";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signatureHeaders(messageId: string, at: Date, body: string, secrets: readonly string[]): SignedHeaders {
  if (secrets.length === 0) throw new Error("no active signing secret");
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(" "),
  };
}
