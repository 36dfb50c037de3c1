// Checks every response a test receives against the API's OpenAPI document: the status must be one
// the operation documents, the documented required headers must be there and every documented
// header must match its schema, and the body must validate against the documented schema (JSON
// Schema 2020-12, with ajv) — where every object is closed, so an undocumented field fails too.
// A path the document does not list must be 404 not_found; a listed path with another method,
// 405 method_not_allowed with `Allow` naming exactly the document's methods for it.

import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenApiDocument } from "../../functions/api-gateway/openapi/document.ts";
import { routingPath } from "../../functions/api-gateway/public-path.ts";

type RequestFunction = (path: string, init?: RequestInit) => Promise<Response>;

interface HeaderObject {
  required?: boolean;
  schema: { type?: string };
}
interface ResponseObject {
  headers?: Record<string, HeaderObject | { $ref: string }>;
  content?: Record<string, unknown>;
}

const DOCUMENT_ID = "https://api.test/openapi.json";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export class UndocumentedResponseError extends Error {
  override name = "UndocumentedResponseError";
}

export interface ResponseChecker {
  /** Throws UndocumentedResponseError when `response` is not what the document says. */
  check(method: string, path: string, response: Response): Promise<void>;
}

export function createResponseChecker(document: OpenApiDocument): ResponseChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (pointer: string, schema?: object) => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile(schema ?? { $ref: `${DOCUMENT_ID}#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  };
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const resolve = <T>(item: T | { $ref: string }): T => {
    if (typeof item === "object" && item !== null && "$ref" in item) {
      return item.$ref
        .slice(2)
        .split("/")
        .reduce<any>((node, key) => node[key.replaceAll("~1", "/").replaceAll("~0", "~")], document) as T;
    }
    return item as T;
  };

  return {
    async check(method, path, response) {
      const verb = method.toLowerCase();
      const route = routingPath(new Request(new URL(path, "http://api.test")));
      const where = `${method.toUpperCase()} ${path} → ${response.status}`;
      const fail = (problem: string, body?: string): never => {
        throw new UndocumentedResponseError(`${where}: ${problem}${body === undefined ? "" : `\nbody: ${body.slice(0, 500)}`}`);
      };
      const text = await response.text();
      requireRequestId(response, fail);

      const match = templates.find(({ pattern }) => pattern.test(route));
      if (!match) {
        if (response.status !== 404) fail("the path is not in the document, so the answer must be 404 not_found", text);
        return checkErrorCode(text, "not_found", fail);
      }
      const pathItem = document.paths[match.template]!;
      const operation = pathItem[verb === "head" ? "get" : verb];
      if (!operation) {
        if (response.status !== 405) fail(`${match.template} has no ${method.toUpperCase()} operation, so the answer must be 405`, text);
        const documented = METHODS.filter((m) => m in pathItem).map((m) => m.toUpperCase());
        const allow = (response.headers.get("allow") ?? "").split(",").map((m) => m.trim()).filter(Boolean);
        if ([...allow].sort().join() !== [...documented].sort().join()) fail(`Allow is "${allow.join(", ")}", the document lists ${documented.join(", ")}`);
        return checkErrorCode(text, "method_not_allowed", fail);
      }

      const status = String(response.status);
      const documented = operation.responses[status] as ResponseObject | undefined;
      if (!documented) fail(`status ${status} is not documented for ${verb.toUpperCase()} ${match.template} (documented: ${Object.keys(operation.responses).join(", ")})`, text);
      const base = `/paths/${match.template.replaceAll("~", "~0").replaceAll("/", "~1")}/${verb === "head" ? "get" : verb}/responses/${status}`;

      for (const [name, item] of Object.entries(documented!.headers ?? {})) {
        const header = resolve<HeaderObject>(item);
        const value = response.headers.get(name);
        if (value === null) {
          if (header.required) fail(`the required header ${name} is missing`);
          continue;
        }
        let decoded: unknown = value;
        if (header.schema.type === "integer") decoded = /^-?\d+$/.test(value) ? Number(value) : value;
        const validate = validator(`header:${name}:${JSON.stringify(header.schema)}`, header.schema);
        if (!validate(decoded)) fail(`header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`);
      }

      const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!documented!.content) {
        if (text !== "") fail("a body was sent where the document has none", text);
        return;
      }
      if (verb === "head") return;
      if (!(mediaType in documented!.content)) fail(`Content-Type ${mediaType || "(none)"} is not one of ${Object.keys(documented!.content).join(", ")}`, text);
      let body: unknown = text;
      if (mediaType === "application/json") {
        try {
          body = JSON.parse(text);
        } catch {
          fail("the body is not JSON", text);
        }
      }
      const validate = validator(`${base}/content/${mediaType.replace("/", "~1")}/schema`);
      if (!validate(body)) fail(`body does not match the document: ${ajv.errorsText(validate.errors, { separator: "; " })}`, text);
    },
  };

  function checkErrorCode(text: string, code: string, fail: (problem: string, body?: string) => never): void {
    const validate = validator(`error:${code}`, {
      allOf: [{ $ref: `${DOCUMENT_ID}#/components/schemas/Error` }, { properties: { error: { properties: { code: { const: code } } } } }],
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail("the body is not JSON", text);
    }
    if (!validate(body)) fail(`not a ${code} error: ${ajv.errorsText(validate.errors)}`, text);
  }
}

function requireRequestId(response: Response, fail: (problem: string) => never): void {
  if (!/^req_[0-9a-f]{32}$/.test(response.headers.get("x-request-id") ?? "")) fail("X-Request-Id is missing or malformed");
}

/** `request`, with every response checked against `document` before the caller sees it. */
export function checkingResponses(request: RequestFunction, document: OpenApiDocument | (() => Promise<OpenApiDocument>)): RequestFunction {
  let checker: Promise<ResponseChecker> | undefined;
  return async (path, init) => {
    checker ??= (typeof document === "function" ? document() : Promise.resolve(document)).then(createResponseChecker);
    const response = await request(path, init);
    await (await checker).check(init?.method ?? "GET", path, response.clone());
    return response;
  };
}

/**
 * The contract suites' `request`: the current target's request (targets are made in beforeAll,
 * hence the getter), every response checked against the document that very target serves.
 */
export function checkedAgainstServedDocument<T extends { request: RequestFunction }>(target: () => T): RequestFunction {
  const checked = new WeakMap<T, RequestFunction>();
  return (path, init) => {
    const current = target();
    let send = checked.get(current);
    if (!send) {
      send = checkingResponses(current.request, async () => (await (await current.request("/v1/openapi.json")).json()) as OpenApiDocument);
      checked.set(current, send);
    }
    return send(path, init);
  };
}
