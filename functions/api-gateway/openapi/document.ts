// The OpenAPI 3.1 document of the API, generated from the resources and their operation
// declarations (operation/declaration.ts) and the valibot schemas they name: paths, parameters,
// request bodies, success bodies, every error status an operation can answer with the codes
// possible at it (operation/pipeline.ts), headers (request id, rate limit, Retry-After,
// Location, WWW-Authenticate), the bearer `wbk_` key with the scope each operation needs,
// examples from the public doc, and the activity webhooks. Nothing here is a second copy
// of a rule: field rules come from the schemas, codes from ERROR_STATUS, limits and prefixes
// from the modules that enforce them.

import type { JsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { type ErrorCode, ErrorBodySchema, type ErrorStatus } from "../../_shared/errors.ts";
import { DEFAULT_WEBHOOK_TIMEOUT_MS } from "../../_shared/webhooks/env.ts";
import { API_SCOPES, type Operation, type Resource, resourceOperations } from "../operation/declaration.ts";
import { IDEMPOTENCY_KEY_HOURS, IDEMPOTENT_REPLAYED, IDEMPOTENT_REPLAYED_HEADER, isIdempotent } from "../operation/idempotency.ts";
import { operationErrors } from "../operation/pipeline.ts";
import { PUBLIC_PREFIX, RUNTIME_PREFIX } from "../public-path.ts";
import {
  ActivityCreatedEventSchema,
  ActivityDeletedEventSchema,
  ActivityUpdatedEventSchema,
  METADATA_MAX_BYTES,
} from "../routes/activities/schema.ts";
import { webhookEndpoints } from "../routes/webhook-endpoints/index.ts";
import { MAX_ENDPOINTS_PER_WORKSPACE } from "../routes/webhook-endpoints/schema.ts";
import { createSchemaConverter } from "./json-schema.ts";

export type OpenApiDocument = Record<string, unknown> & {
  openapi: "3.1.0";
  paths: Record<string, Record<string, OperationObject>>;
  components: Record<string, Record<string, unknown>>;
};
type OperationObject = Record<string, unknown> & { responses: Record<string, ResponseObject> };
type ResponseObject = { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: JsonSchema; example?: unknown }> };

/** The name of the document's one security scheme (Bearer wbk_…), which the reference page preselects. */
export const SECURITY_SCHEME = "apiKey";

/** What each code means, for the responses' descriptions. TypeScript keeps it complete. */
const ERROR_MEANINGS: Record<ErrorCode, string> = {
  invalid_json: "the body is not UTF-8, not JSON, or not a JSON object",
  invalid_field: "a field or parameter of the wrong type or outside its rules, or an unknown field (`param` names it)",
  missing_required_field: "a required field is absent or null (`param` names it)",
  metadata_too_large: `\`metadata\` is over ${METADATA_MAX_BYTES} bytes as compact UTF-8 JSON`,
  invalid_request: "not valid HTTP/1.1 (broken chunked framing, conflicting Content-Length); answered by the server before routing",
  invalid_key: "no key, or a malformed, unknown, expired or revoked one",
  insufficient_permissions: "the key lacks the operation's scope",
  not_found: "no such route",
  activity_not_found: "no such activity in the key's workspace",
  contact_not_found: "no such contact in the key's workspace (another workspace's is indistinguishable)",
  deal_not_found: "no such deal in the key's workspace (another workspace's is indistinguishable)",
  webhook_endpoint_not_found: "no such webhook endpoint in the key's workspace",
  delivery_not_found: "no such delivery for this endpoint",
  method_not_allowed: "the path exists but not with this method (see `Allow`)",
  request_timeout: "the request took too long to arrive; answered by the server before routing",
  webhook_endpoint_disabled: "the endpoint is disabled; enable it first",
  webhook_endpoint_limit_reached: `the workspace has ${MAX_ENDPOINTS_PER_WORKSPACE} endpoints already`,
  idempotency_key_in_progress: "a request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds",
  idempotency_key_reused: "this `Idempotency-Key` was used with a different request (another operation or body) in the last 24 hours (`param` is `Idempotency-Key`)",
  payload_too_large: "the body is over the size limit (checked before anything else)",
  unsupported_media_type: "the body is not sent as `application/json` (charset, if given, UTF-8), or is sent with a Content-Encoding other than identity",
  rate_limited: "over the key's rate limit, or too many keys the server refused came from the client's address; retry after `Retry-After` seconds",
  request_headers_too_large: "the request headers are over the server's limit; answered by the server before routing",
  internal_error: "a bug: the cause is logged under the request id, never sent",
  service_unavailable: "the database (or, with RATE_LIMIT_FAIL_CLOSED, the rate limiter) is unavailable; retry after `Retry-After` seconds",
};

const STATUS_TEXT: Record<ErrorStatus, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  408: "Request timeout",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable content",
  429: "Too many requests",
  431: "Request header fields too large",
  500: "Internal error",
  503: "Service unavailable",
};

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const integer = { type: "integer", minimum: 0 };

const HEADERS = {
  "X-Request-Id": {
    description: "This request's id (`req_` + 32 hex digits), also in every error body: quote it when reporting a problem.",
    required: true,
    schema: { type: "string", pattern: "^req_[0-9a-f]{32}$" },
  },
  "RateLimit-Limit": {
    description: "Requests allowed per window for this API key. Sent once the rate limiter has answered for the request (every keyed request unless the limiter was unreachable).",
    schema: integer,
  },
  "RateLimit-Remaining": { description: "Requests left in the current window for this API key.", schema: integer },
  "RateLimit-Reset": { description: "Seconds until the window frees capacity again.", schema: integer },
  "RateLimit-Policy": {
    description: "The limit and its window in seconds, e.g. `100;w=10`. On every response to a request with a well-formed key that reached the limiter.",
    schema: { type: "string", pattern: "^\\d+;w=\\d+$" },
  },
  "Retry-After": { description: "Seconds to wait before retrying.", required: true, schema: { ...integer, minimum: 1 } },
  Location: { description: "The URL of the created resource, under the prefix the request used.", required: true, schema: { type: "string" } },
  "WWW-Authenticate": {
    description: 'The bearer scheme: `Bearer realm="api"` when no key was sent, with `error="invalid_token"` when the key was malformed, unknown, expired or revoked.',
    required: true,
    schema: { type: "string" },
  },
} as const;

const RATE_LIMIT_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"] as const;

const required = (name: keyof typeof HEADERS) => ({ ...HEADERS[name], required: true });

const API_DESCRIPTION = `Record what happened — a call, an email, a meeting, a note, a completed task, an AI agent's action — so it shows on the contact's and the deal's timeline, and subscribe to \`activity.created\`, \`activity.updated\` and \`activity.deleted\` webhooks.

**Authentication.** Every \`/v1\` operation but this document takes an API key: \`Authorization: Bearer wbk_…\`. Keys carry scopes (${API_SCOPES.map((scope) => `\`${scope}\``).join(", ")}); each operation names the one it needs.

**Errors** have one shape, \`{"error":{"code","message","param"?,"request_id"}}\`; each response below lists the codes possible at its status. A failed request writes nothing. An unknown route is \`404 not_found\`; a known path with another method is \`405 method_not_allowed\` with \`Allow\`.

**Strings** must be valid Unicode without NUL characters (a lone surrogate such as \`"\\ud800"\` is refused, not mangled); lengths count Unicode code points.

**Rate limits** apply per API key (sliding window): responses carry \`RateLimit-Limit\`, \`RateLimit-Remaining\`, \`RateLimit-Reset\` and \`RateLimit-Policy\`; a \`429\` carries \`Retry-After\`.

**Idempotency.** The \`POST\`s that create something (an activity, a webhook endpoint, a new endpoint secret) take an \`Idempotency-Key\` header (1-255 printable ASCII characters; a UUID is a good choice). For ${IDEMPOTENCY_KEY_HOURS} hours in the key's workspace, a retry with the same key and the same body writes nothing, fires no second webhook, and answers the first response again — same status, body and \`Location\` — with \`Idempotent-Replayed: true\`. The same key with a different request is \`422 idempotency_key_reused\`; while the first request still runs, \`409 idempotency_key_in_progress\` with \`Retry-After\`. Failed requests (any 4xx or 5xx) are not remembered, so a corrected retry with the same key proceeds. Without the header, a retried \`POST\` whose first attempt succeeded creates a second resource.

The same routes answer under \`${PUBLIC_PREFIX}/v1/…\` (the public URL), \`${RUNTIME_PREFIX}/v1/…\` (inside Supabase) and bare \`/v1/…\`.`;

export function buildOpenApiDocument(resources: readonly Resource[]): OpenApiDocument {
  const named = Object.assign({}, ...resources.map((resource) => resource.schemas ?? {}));
  const converter = createSchemaConverter({ ...named, Error: ErrorBodySchema, ActivityCreatedEvent: ActivityCreatedEventSchema });
  const paths: OpenApiDocument["paths"] = {};

  for (const operation of resources.flatMap(resourceOperations)) {
    const where = `${operation.method.toUpperCase()} ${operation.path}`;
    const entries = (location: "query" | "header", schema: Operation["query"]) =>
      Object.entries(schema?.entries ?? {}).map(([name, entry]) => {
        const optional = entry.type === "optional" || entry.type === "exact_optional";
        return parameter(location, name, !optional, converter.convert(entry, `${where} ${location === "query" ? "?" : "header "}${name}`));
      });
    const parameters = [
      ...Object.entries(operation.params ?? {}).map(([name, param]) => parameter("path", name, true, converter.convert(param.schema, `${where} {${name}}`))),
      ...entries("query", operation.query),
      ...entries("header", operation.headers),
    ];
    const scopeNote = operation.scope ? `\n\nRequires an API key with the \`${operation.scope}\` scope.` : "\n\nPublic: no API key.";
    const object: OperationObject = {
      operationId: operation.operationId,
      summary: operation.summary,
      description: operation.description + scopeNote,
      tags: [operation.tag],
      // OpenAPI 3.1 lets a non-OAuth requirement list the roles it needs: the key's scope.
      security: operation.scope ? [{ [SECURITY_SCHEME]: [operation.scope] }] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: converter.convert(operation.body.schema, `${where} body`),
                  ...(operation.body.example === undefined ? {} : { example: operation.body.example }),
                },
              },
            },
          }
        : {}),
      responses: {
        [operation.success.status]: successResponse(operation, (schema) => converter.convert(schema, `${where} response`)),
        ...(operation.success.noContent
          ? { 204: successResponse({ ...operation, success: { status: 204, description: operation.success.noContent } }, () => ({})) }
          : {}),
        ...Object.fromEntries(
          operationErrors(operation).map(([status, codes]) => [status, errorResponse(operation, status, codes, converter.convert(errorBody(codes), `${where} ${status}`))]),
        ),
      },
    };
    (paths[operation.path] ??= {})[operation.method] = object;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "CRM activity API",
      version: "v1",
      summary: "Record, update and delete activities on CRM timelines; get webhooks when they change.",
      description: API_DESCRIPTION,
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [
      { url: PUBLIC_PREFIX, description: "This deployment, under its public URL (the host that served this document)" },
      { url: "http://127.0.0.1:54321", description: "Local development (`npm start`)" },
    ],
    tags: resources.map((resource) => resource.tag),
    paths,
    webhooks: Object.fromEntries(ACTIVITY_EVENTS.map((event) => [event.type, webhook(event, converter.convert(event.schema, `${event.type} webhook`))])),
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "wbk_ + 64 hex digits",
          description:
            "`Authorization: Bearer wbk_…`. Keys are shown once, carry scopes (each operation names the one it needs), " +
            "may expire, and can be revoked.",
        },
      },
      headers: HEADERS,
      schemas: converter.components(),
    },
  };
}

/** The Error schema, with `code` narrowed to `codes`. */
function errorBody(codes: readonly ErrorCode[]) {
  return v.intersect([ErrorBodySchema, v.object({ error: v.object({ code: v.picklist(codes) }) })]);
}

function parameter(location: "path" | "query" | "header", name: string, isRequired: boolean, schema: JsonSchema, description?: string) {
  const text = description ?? schema.description;
  const { description: _moved, ...rest } = schema;
  return { name, in: location, required: isRequired, ...(text ? { description: text } : {}), schema: rest };
}

function successResponse(operation: Operation, convert: (schema: v.GenericSchema) => JsonSchema): ResponseObject {
  const { success } = operation;
  const headers: Record<string, unknown> = { "X-Request-Id": header("X-Request-Id") };
  if (success.location) headers.Location = header("Location");
  if (operation.scope) {
    for (const name of RATE_LIMIT_HEADERS) headers[name] = header(name);
    headers["RateLimit-Policy"] = required("RateLimit-Policy");
  }
  const declared = { ...(isIdempotent(operation) ? { [IDEMPOTENT_REPLAYED_HEADER]: IDEMPOTENT_REPLAYED } : {}), ...success.headers };
  for (const [name, { description, required: isRequired, schema }] of Object.entries(declared)) {
    headers[name] = { description, ...(isRequired ? { required: true } : {}), schema: convert(schema) };
  }
  if (success.schema === undefined) return { description: success.description, headers };
  const mediaType = success.mediaType ?? "application/json";
  return {
    description: success.description,
    headers,
    content: { [mediaType]: { schema: convert(success.schema), ...(success.example === undefined ? {} : { example: success.example }) } },
  };
}

function errorResponse(operation: Operation, status: ErrorStatus, codes: ErrorCode[], schema: JsonSchema): ResponseObject {
  const headers: Record<string, unknown> = { "X-Request-Id": header("X-Request-Id") };
  if (operation.scope) {
    for (const name of RATE_LIMIT_HEADERS) headers[name] = status === 429 ? required(name) : header(name);
  }
  if (status === 429 || status === 503) headers["Retry-After"] = header("Retry-After");
  // Only idempotency_key_in_progress among the 409s carries it.
  if (status === 409 && codes.includes("idempotency_key_in_progress")) {
    headers["Retry-After"] = { ...HEADERS["Retry-After"], required: false, description: "Seconds to wait before retrying (sent with `idempotency_key_in_progress`)." };
  }
  if (status === 401) headers["WWW-Authenticate"] = header("WWW-Authenticate");
  const list = codes.map((code) => `- \`${code}\`: ${ERROR_MEANINGS[code]}`).join("\n");
  return {
    description: `${STATUS_TEXT[status]}:\n${list}`,
    headers,
    content: { "application/json": { schema } },
  };
}

/** The webhooks an endpoint can subscribe to, in the order of EVENT_TYPES. */
const ACTIVITY_EVENTS = [
  { type: "activity.created", operationId: "activityCreatedWebhook", schema: ActivityCreatedEventSchema, when: "for every activity recorded (one per item of a batch, in order)" },
  {
    type: "activity.updated",
    operationId: "activityUpdatedWebhook",
    schema: ActivityUpdatedEventSchema,
    when: "for every update that changed at least one field; `previous_attributes` holds the old values of exactly those fields",
  },
  { type: "activity.deleted", operationId: "activityDeletedWebhook", schema: ActivityDeletedEventSchema, when: "for every activity deleted, carrying it as it was" },
] as const;

function webhook(event: (typeof ACTIVITY_EVENTS)[number], schema: JsonSchema) {
  return {
    post: {
      operationId: event.operationId,
      summary: event.type,
      description:
        `Sent to each enabled endpoint subscribed to \`${event.type}\` (or \`*\`) ${event.when}. Signed per ` +
        "Standard Webhooks: verify `webhook-signature` over `webhook-id`, `webhook-timestamp` and the raw body with the " +
        "endpoint's `whsec_` secret (e.g. `new Webhook(secret).verify(body, headers)` from the `standardwebhooks` package). " +
        `Delivery is at least once: deduplicate on \`webhook-id\`. Answer 2xx within ${DEFAULT_WEBHOOK_TIMEOUT_MS / 1000} s; anything else is retried.`,
      tags: [webhookEndpoints.tag.name],
      security: [],
      parameters: [
        parameter("header", "webhook-id", true, { type: "string", pattern: "^evt_" }, "The event id; the same on every retry."),
        parameter("header", "webhook-timestamp", true, { type: "string", pattern: "^\\d+$" }, "Unix seconds of this attempt."),
        parameter("header", "webhook-signature", true, { type: "string" }, "`v1,<base64 HMAC-SHA256>`, one per active secret, space-separated."),
      ],
      requestBody: { required: true, content: { "application/json": { schema } } },
      responses: { "200": { description: "Any 2xx acknowledges the delivery." } },
    },
  };
}
