// GET /docs — Scalar's interactive reference page rendering /v1/openapi.json, public, under the
// prefix it was asked at. Its bundle comes from this server where the entry provides it
// (scalar-bundle.ts), else from the pinned CDN URL.

import { Scalar } from "@scalar/hono-api-reference";
import * as v from "valibot";
import type { AppEnv } from "../../context.ts";
import { defineOperation } from "../../operation/declaration.ts";
import { publicPrefix } from "../../public-path.ts";
import { REFERENCE_CACHE } from "./openapi-json.ts";
import { type ReferenceOptions, SCALAR_BUNDLE_PATH, SCALAR_CDN_URL, servesScalarBundle } from "./scalar-bundle.ts";

export function docsPage(options: ReferenceOptions) {
  const servesBundle = servesScalarBundle(options);
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
  return defineOperation({
    method: "get",
    path: "/docs",
    operationId: "getApiReference",
    summary: "Interactive API reference",
    description: "An HTML page (Scalar) that renders this document and can send requests with your key.",
    scope: null,
    success: { status: 200, description: "The page.", mediaType: "text/html", schema: v.string() },
    errors: {},
    async handler(_input, c) {
      c.header("Cache-Control", REFERENCE_CACHE);
      // Scalar's handler answers by itself; it never calls next.
      return (await page(c, async () => {})) as Response;
    },
  });
}
