// The error answer every contract suite checks: the status, our error shape with its code, a
// request id, and `param` exactly when one is expected.

import { expect } from "vitest";
import type { ErrorBody } from "../../functions/_shared/errors.ts";

export async function expectApiError(response: Response, status: number, code: string, param?: string): Promise<ErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toMatch(/^req_[0-9a-f]{32}$/);
  if (param === undefined) expect(body.error).not.toHaveProperty("param");
  else expect(body.error.param).toBe(param);
  return body;
}
