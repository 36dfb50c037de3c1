// Every operation of the API, in one list: what createApp registers and what the OpenAPI
// document describes, so the two cannot differ.

import { buildOpenApiDocument, type OpenApiDocument } from "../openapi/document.ts";
import type { Operation } from "../operation.ts";
import { activityOperations, activitySchemas } from "./activities/index.ts";
import { type ReferenceOptions, referenceOperations } from "./reference/index.ts";
import { webhookEndpointOperations, webhookEndpointSchemas } from "./webhook-endpoints/index.ts";

export interface Api {
  operations: Operation[];
  /** The OpenAPI document, generated on first use and kept (it depends on nothing per request). */
  document(): OpenApiDocument;
}

export function createApi(options: ReferenceOptions = {}): Api {
  let document: OpenApiDocument | undefined;
  const api: Api = {
    operations: [],
    document: () => (document ??= buildOpenApiDocument(api.operations, { ...activitySchemas, ...webhookEndpointSchemas })),
  };
  api.operations = [...activityOperations, ...webhookEndpointOperations, ...referenceOperations(api.document, options)];
  return api;
}

/** The API document, as GET /v1/openapi.json serves it. */
export function apiDocument(): OpenApiDocument {
  return createApi().document();
}
