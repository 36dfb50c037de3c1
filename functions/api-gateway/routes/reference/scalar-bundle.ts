// Scalar's standalone browser bundle (4.9 MB, 1.4 MB gzipped), which the reference page runs.
// Where the entry hands the bundle over (Node: read from node_modules, see
// functions/_node/scalar-bundle.ts) it is served from here at a versioned URL — an asset, not an
// API operation; the edge entries do not carry 5 MB in every isolate, so there the page loads
// the same pinned version from the jsDelivr CDN.

import type { Hono } from "hono";
import type { AppEnv } from "../../context.ts";

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

/** True when the entry provides the bundle this page is built for. */
export function servesScalarBundle(options: ReferenceOptions): boolean {
  return options.scalarBundle?.version === SCALAR_VERSION;
}

/** The bundle's own route, when the entry provides the bundle. */
export function registerScalarBundle(app: Hono<AppEnv>, options: ReferenceOptions): void {
  const bundle = options.scalarBundle;
  if (bundle === undefined || !servesScalarBundle(options)) return;
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
