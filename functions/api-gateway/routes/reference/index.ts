// The API's own reference, public (no key, no rate limit) on every runtime:
//   GET /v1/openapi.json  the OpenAPI 3.1 document generated from the operations (openapi/document.ts)
//   GET /docs             Scalar's interactive reference page rendering that document
// The page runs Scalar's standalone browser bundle (4.9 MB, 1.4 MB gzipped). Where the entry
// hands the bundle over (Node: read from node_modules, see functions/_node/scalar-bundle.ts) it is
// served from here at a versioned URL; the edge entries do not carry 5 MB in every isolate, so
// there the page loads the same pinned version from the jsDelivr CDN.

import { Scalar } from "@scalar/hono-api-reference";
import type { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../context.ts";
import type { OpenApiDocument } from "../../openapi/document.ts";
import type { Operation } from "../../operation.ts";
import { publicPrefix } from "../../public-path.ts";

/** @scalar/api-reference's version, pinned in package.json; a test keeps the two equal. */
export const SCALAR_VERSION = "1.76.0";
export const SCALAR_CDN_URL = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/dist/browser/standalone.js`;
export const SCALAR_BUNDLE_PATH = `/docs/scalar-api-reference-${SCALAR_VERSION}.js`;

/** Scalar's standalone bundle, when the runtime can read it (Node). */
export interface ScalarBundle {
  version: string;
  /** The JavaScript, and the same gzipped (sent when the client accepts gzip). */
  load(): Promise<{ body: Uint8Array; gzip: Uint8Array }>;
}

export interface ReferenceOptions {
  scalarBundle?: ScalarBundle;
}

const DOCUMENT_CACHE = "public, max-age=300";

export function referenceOperations(document: () => OpenApiDocument, options: ReferenceOptions = {}): Operation[] {
  let json: string | undefined;
  const servesBundle = options.scalarBundle?.version === SCALAR_VERSION;
  const page = Scalar<AppEnv>((c) => {
    const prefix = publicPrefix(c.req.raw);
    return {
      url: `${prefix}/v1/openapi.json`,
      cdn: servesBundle ? `${prefix}${SCALAR_BUNDLE_PATH}` : SCALAR_CDN_URL,
      pageTitle: "CRM activity API reference",
      // Nothing leaves for third parties: no telemetry, no web fonts (the system's serve), no
      // hosted AI agent or MCP offer.
      telemetry: false,
      withDefaultFonts: false,
      agent: { disabled: true },
      mcp: { disabled: true },
      showDeveloperTools: "never",
      hideClientButton: true,
      defaultOpenFirstTag: true,
    };
  });
  return [
    {
      method: "get",
      path: "/v1/openapi.json",
      operationId: "getOpenApiDocument",
      tag: "Reference",
      summary: "This OpenAPI document",
      description: "The OpenAPI 3.1 document of this API, generated from the schemas that validate its requests. Cacheable for 5 minutes; CORS-enabled.",
      scope: null,
      success: { status: 200, description: "The document.", schema: v.pipe(v.looseObject({ openapi: v.literal("3.1.0") }), v.description("An OpenAPI 3.1 document.")) },
      errors: {},
      handler(c) {
        json ??= JSON.stringify(document());
        c.header("Cache-Control", DOCUMENT_CACHE);
        c.header("Access-Control-Allow-Origin", "*");
        return c.body(json, 200, { "Content-Type": "application/json" });
      },
    },
    {
      method: "get",
      path: "/docs",
      operationId: "getApiReference",
      tag: "Reference",
      summary: "Interactive API reference",
      description: "An HTML page (Scalar) that renders this document and can send requests with your key.",
      scope: null,
      success: { status: 200, description: "The page.", mediaType: "text/html", schema: v.string() },
      errors: {},
      async handler(c, next) {
        c.header("Cache-Control", DOCUMENT_CACHE);
        return (await page(c, next)) as Response;
      },
    },
  ];
}

/** The bundle's own route (an asset, not an API operation), when the entry provides the bundle. */
export function registerScalarBundle(app: Hono<AppEnv>, options: ReferenceOptions): void {
  const bundle = options.scalarBundle;
  if (bundle?.version !== SCALAR_VERSION) return;
  let loaded: ReturnType<ScalarBundle["load"]> | undefined;
  app.get(SCALAR_BUNDLE_PATH, async (c) => {
    loaded ??= bundle.load();
    const { body, gzip } = await loaded;
    const gzipped = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    c.header("Vary", "Accept-Encoding");
    if (gzipped) c.header("Content-Encoding", "gzip");
    return c.body((gzipped ? gzip : body) as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
}
