// The API's one error shape and its closed list of codes. Every failure a client can see is an
// ApiError; app.onError turns it into {"error":{code,message,param?,request_id}}. The shape is a
// valibot schema so that the API document states it (narrowed to the codes of each status).

import * as v from "valibot";

export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_field: 400,
  missing_required_field: 400,
  metadata_too_large: 400,
  // The HTTP message itself is malformed (answered by the Node server's parser, before routing).
  invalid_request: 400,
  invalid_key: 401,
  insufficient_permissions: 403,
  not_found: 404,
  activity_not_found: 404,
  contact_not_found: 404,
  deal_not_found: 404,
  webhook_endpoint_not_found: 404,
  delivery_not_found: 404,
  method_not_allowed: 405,
  // The client took too long to send its request (Node's headersTimeout / requestTimeout).
  request_timeout: 408,
  webhook_endpoint_disabled: 409,
  webhook_endpoint_limit_reached: 409,
  // Idempotency-Key (operation/idempotency.ts): its first request is still running; it was used
  // for another request.
  idempotency_key_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  // Request headers over the server's limit (Node: 16 KiB in total).
  request_headers_too_large: 431,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}

export interface ApiErrorOptions {
  param?: string;
  /** Seconds; sent as Retry-After (409 idempotency_key_in_progress, 429, 503). */
  retryAfter?: number;
  /** Extra response headers, e.g. Allow on a 405. */
  headers?: Record<string, string>;
  /** The underlying fault. Logged for 5xx, never sent to the client. */
  cause?: unknown;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly param?: string;
  readonly retryAfter?: number;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.param = options.param;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers;
  }
}

export const REQUEST_ID_PATTERN = /^req_[0-9a-f]{32}$/;

/** A request's id: `req_` + 32 hex digits, returned as X-Request-Id and inside every error. */
export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** A bug or an unexpected fault: the client gets the request id, the log gets `cause`. */
export function internalError(cause: unknown): ApiError {
  return new ApiError("internal_error", "An internal error occurred. Quote the request id when reporting it.", { cause });
}

/** `{"error":{code,message,param?,request_id}}` with `code` one of `codes`. */
export function errorBodySchema<const C extends ErrorCode>(codes: readonly C[]) {
  return v.strictObject({
    error: v.strictObject({
      code: v.pipe(v.picklist(codes), v.description("Stable and machine-readable: branch on this, not on the message.")),
      message: v.pipe(v.string(), v.description("What went wrong and how to fix it, for a developer. May change.")),
      param: v.pipe(v.optional(v.string()), v.description("The request field or parameter the error is about, when there is one.")),
      request_id: v.pipe(
        v.string(),
        v.regex(REQUEST_ID_PATTERN),
        v.description("The response's X-Request-Id; quote it when reporting a problem."),
      ),
    }),
  });
}

export const ErrorBodySchema = errorBodySchema(ERROR_CODES);
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.param === undefined ? {} : { param: error.param }),
      request_id: requestId,
    },
  };
}

/** An error's response: its body, status and headers (its own, Retry-After, X-Request-Id). */
export function errorReply(error: ApiError, requestId: string): { body: ErrorBody; status: ErrorStatus; headers: Record<string, string> } {
  const headers: Record<string, string> = { ...error.headers, "X-Request-Id": requestId };
  if (error.retryAfter !== undefined) headers["Retry-After"] = String(error.retryAfter);
  return { body: errorBody(error, requestId), status: error.status, headers };
}
