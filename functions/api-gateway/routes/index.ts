// Every resource of the API, in one list: what createApp registers and what the OpenAPI
// document describes, so the two cannot differ.

import { buildOpenApiDocument, type OpenApiDocument } from "../openapi/document.ts";
import { type Operation, type Resource, resourceOperations } from "../operation/declaration.ts";
import { activities } from "./activities/index.ts";
import { reference } from "./reference/index.ts";
import type { ReferenceOptions } from "./reference/scalar-bundle.ts";
import { webhookEndpoints } from "./webhook-endpoints/index.ts";

export interface Api {
  operations: Operation[];
  /** The OpenAPI document, generated on first use and kept (it depends on nothing per request). */
  document(): OpenApiDocument;
}

export function createApi(options: ReferenceOptions = {}): Api {
  let built: OpenApiDocument | undefined;
  const document = () => (built ??= buildOpenApiDocument(resources));
  const resources: Resource[] = [activities, webhookEndpoints, reference(document, options)];
  return { operations: resources.flatMap(resourceOperations), document };
}

/** The API document, as GET /v1/openapi.json serves it. */
export function apiDocument(): OpenApiDocument {
  return createApi().document();
}
