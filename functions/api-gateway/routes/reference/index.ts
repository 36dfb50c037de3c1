// The API's own reference, public on every runtime: the OpenAPI document and the page that
// renders it. Built from the document (which lists every other resource) and what the entry can
// provide (Scalar's bundle).

import type { OpenApiDocument } from "../../openapi/document.ts";
import type { Resource } from "../../operation/declaration.ts";
import { docsPage } from "./docs-page.ts";
import { openApiJson } from "./openapi-json.ts";
import type { ReferenceOptions } from "./scalar-bundle.ts";

export function reference(document: () => OpenApiDocument, options: ReferenceOptions): Resource {
  return {
    tag: { name: "Reference", description: "This document and its interactive reference page." },
    operations: [openApiJson(document), docsPage(options)],
  };
}
