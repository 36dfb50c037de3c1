// Reads the request body once, refusing it (413) as soon as it exceeds the limit — from
// Content-Length when sent, otherwise while streaming a chunked upload — so an oversized body
// costs neither memory nor a database call. The bytes land on the context for the JSON parser.
// The limit is BODY_LIMIT_BYTES, or what the operation derives from it (a batch takes more).

import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../_shared/errors.ts";
import type { AppEnv } from "../context.ts";

export function bodyLimit(limitBytes: (configured: number) => number = (configured) => configured): MiddlewareHandler<AppEnv> {
  return async function bodyLimit(c, next) {
    const limit = limitBytes(c.var.services.config.bodyLimitBytes);
    const tooLarge = () =>
      new ApiError("payload_too_large", `The request body must be at most ${limit} bytes.`);
    const declared = c.req.header("content-length");
    if (declared !== undefined && /^\d+$/.test(declared)) {
      if (Number(declared) > limit) throw tooLarge();
      // HTTP framing stops the body at the declared length, so it can be read in one go —
      // which on Node skips the web-streams machinery altogether.
      const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
      if (bytes.byteLength > limit) throw tooLarge();
      c.set("rawBody", bytes);
      return next();
    }

    const body = c.req.raw.body;
    if (body === null) {
      c.set("rawBody", new Uint8Array(0));
      return next();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
    c.set("rawBody", concat(chunks, size));
    await next();
  };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
