// One API operation, declared once in its own file (routes/<resource>/<operation>.ts): what it is
// (method, path, operationId, texts), who may call it (scope), what it reads (path parameters,
// query, headers, body: valibot schemas), what it answers (success status, schema, example,
// headers; error codes) and its handler. The pipeline (pipeline.ts) validates the request from
// the declaration and hands the handler a typed `input`; the OpenAPI document
// (openapi/document.ts) describes the same declaration, so the two cannot differ.

import type { Context } from "hono";
import type * as v from "valibot";
import type { ERROR_STATUS, ErrorCode, ErrorStatus } from "../../_shared/errors.ts";
import type { AppEnv } from "../context.ts";

export const API_SCOPES = ["activities:write", "activities:read", "webhooks:write", "webhooks:read"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export type HttpMethod = "get" | "post" | "patch" | "delete";

export type ErrorTable = Partial<Record<ErrorStatus, ErrorCode[]>>;

type NotFoundCode = { [C in ErrorCode]: (typeof ERROR_STATUS)[C] extends 404 ? C : never }[ErrorCode];

/**
 * A path parameter. A path names a resource, so a value its schema refuses is not a 400 but
 * the resource's 404 (`notFound.code`, with `param`): a malformed id is simply an unknown one.
 */
export interface PathParam<Output = unknown> {
  schema: v.GenericSchema<string, Output>;
  notFound: { code: NotFoundCode; message(value: string): string };
}

/** Query parameters or request headers: a valibot object whose entries are the parameters. */
export type ParameterSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface BodyDeclaration<S extends v.GenericSchema> {
  /** The JSON object the body must be (415/400 invalid_json before it, 400 from it). */
  schema: S;
  example?: v.InferInput<S>;
  /** This operation's body limit from the configured BODY_LIMIT_BYTES (default: that), e.g. a batch's. */
  limitBytes?: (configured: number) => number;
}

/** A response header the operation sets itself (the pipeline's own are documented anyway). */
export interface ResponseHeader {
  description: string;
  required?: boolean;
  schema: v.GenericSchema<string>;
}

export interface SuccessDeclaration<S extends v.GenericSchema> {
  status: 200 | 201 | 202 | 204;
  description: string;
  /** application/json (the default) or the HTML of the reference page. */
  mediaType?: "application/json" | "text/html";
  /** The body; none for a 204. */
  schema?: S;
  example?: v.InferOutput<S>;
  /** A 201's Location: the handler gives the path under /v1, the pipeline adds the request's prefix. */
  location?: boolean;
  headers?: Record<string, ResponseHeader>;
  /**
   * When the operation may also succeed with 204 and no body, what that means (e.g. the key may
   * not read what it changed). The handler answers it with a Response: `c.body(null, 204)`.
   */
  noContent?: string;
}

type Parsed<S> = [S] extends [never] ? undefined : S extends v.GenericSchema ? v.InferOutput<S> : undefined;

/** What the handler receives: the request as the declaration's schemas parsed it. */
export interface OperationInput<P extends Record<string, PathParam>, Q, H, B> {
  params: { [K in keyof P]: P[K] extends PathParam<infer T> ? T : never };
  query: Parsed<Q>;
  headers: Parsed<H>;
  body: Parsed<B>;
}

/** What the handler answers; the pipeline sends it with the declared success status. */
export type Reply<S> = ([S] extends [never] ? { body?: undefined } : { body: v.InferOutput<S & v.GenericSchema> }) & {
  /** Path of the created resource, `/v1/…` (when the success declares `location`). */
  location?: string;
  /** Values of the declared success headers. */
  headers?: Record<string, string>;
};

export interface OperationDeclaration<
  P extends Record<string, PathParam>,
  Q extends ParameterSchema,
  H extends ParameterSchema,
  B extends v.GenericSchema,
  S extends v.GenericSchema,
> {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/activities/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  /** The API key scope the operation needs; null for the public routes (no key, no rate limit). */
  scope: ApiScope | null;
  params?: P;
  query?: Q;
  /** Request headers by name (as documented, e.g. `Idempotency-Key`); matched case-insensitively. */
  headers?: H;
  body?: BodyDeclaration<B>;
  success: SuccessDeclaration<S>;
  /** Error codes of the handler and its database call (the pipeline adds those of its own stages). */
  errors: ErrorTable;
  /**
   * Maps the parsed input to one database call and the reply. A Response is sent as it is
   * (the reference routes serve a document and a page, not API data).
   */
  handler(input: OperationInput<P, Q, H, B>, c: Context<AppEnv>): Promise<Reply<S> | Response> | Reply<S> | Response;
}

/** An operation as the pipeline and the document see it, whatever its schemas. */
export type Operation = OperationDeclaration<
  Record<string, PathParam>,
  ParameterSchema,
  ParameterSchema,
  v.GenericSchema,
  v.GenericSchema
> & { tag: string };

/** An operation without its tag: the resource that lists it gives that (routes/<resource>/index.ts). */
export type UntaggedOperation = Omit<Operation, "tag">;

/**
 * Declares an operation; the handler's `input` is typed from the declared schemas and its reply
 * from the success schema.
 */
export function defineOperation<
  P extends Record<string, PathParam> = Record<never, PathParam>,
  Q extends ParameterSchema = never,
  H extends ParameterSchema = never,
  B extends v.GenericSchema = never,
  S extends v.GenericSchema = never,
>(declaration: OperationDeclaration<P, Q, H, B, S>): UntaggedOperation {
  // The handler's narrower input type is what the pipeline guarantees by parsing with the same schemas.
  return declaration as unknown as UntaggedOperation;
}

/** A resource: its operations in order (within a path, the order of the 405's Allow) and named schemas. */
export interface Resource {
  tag: { name: string; description: string };
  operations: readonly UntaggedOperation[];
  /** Named in the document's components.schemas. */
  schemas?: Record<string, v.GenericSchema>;
}

export function resourceOperations(resource: Resource): Operation[] {
  return resource.operations.map((operation) => ({ ...operation, tag: resource.tag.name }));
}
