// The pipeline's "read the JSON body" stage: the bytes read by bodyLimit become a JSON object,
// or a precise 4xx: wrong media type or a content coding (415), bytes that are not UTF-8 or
// text that is not JSON (400 invalid_json), or JSON that is not an object (400 invalid_json).
// The operation's body schema validates the fields after it (input.ts).
//
// Compressed bodies are refused rather than decoded: a JSON body of at most BODY_LIMIT_BYTES
// gains little from gzip, and decoding would need a second limit on the decoded size (a small
// gzip bomb inflates a thousandfold). No runtime here decodes request bodies by itself.

import type { Context } from "hono";
import { ApiError } from "../../_shared/errors.ts";
import { parseJsonKeeping } from "../../_shared/json-text.ts";
import type { AppEnv } from "../context.ts";

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function readJsonObject(c: Context<AppEnv>): Record<string, unknown> {
  const coding = c.req.header("content-encoding");
  if (coding !== undefined && !/^\s*(identity\s*)?$/i.test(coding)) {
    throw new ApiError("unsupported_media_type", "Send the body uncompressed: no Content-Encoding other than identity is accepted.");
  }
  const contentType = c.req.header("content-type");
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType.trim())) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON with `Content-Type: application/json`.");
  }
  let text: string;
  try {
    text = strictUtf8.decode(c.var.rawBody);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    // A `metadata` object is kept as its text too (json-text.ts): its order and numbers survive.
    value = parseJsonKeeping(text);
  } catch {
    throw new ApiError("invalid_json", text.trim() === "" ? "The request body is empty; send a JSON object." : "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError("invalid_json", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}
