// GET /v1/openapi.json — the OpenAPI 3.1 document generated from the operations
// (openapi/document.ts), public (no key, no rate limit), cacheable, CORS-enabled.

import * as v from "valibot";
import type { OpenApiDocument } from "../../openapi/document.ts";
import { defineOperation } from "../../operation/declaration.ts";

/** How long clients and CDNs may keep the document and the page. */
export const REFERENCE_CACHE = "public, max-age=300";

export function openApiJson(document: () => OpenApiDocument) {
  let json: string | undefined;
  return defineOperation({
    method: "get",
    path: "/v1/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This OpenAPI document",
    description: "The OpenAPI 3.1 document of this API, generated from the schemas that validate its requests. Cacheable for 5 minutes; CORS-enabled.",
    scope: null,
    success: { status: 200, description: "The document.", schema: v.pipe(v.looseObject({ openapi: v.literal("3.1.0") }), v.description("An OpenAPI 3.1 document.")) },
    errors: {},
    handler(_input, c) {
      json ??= JSON.stringify(document());
      c.header("Cache-Control", REFERENCE_CACHE);
      c.header("Access-Control-Allow-Origin", "*");
      return c.body(json, 200, { "Content-Type": "application/json" });
    },
  });
}
