// How the wire-level transports write a call to an api.* function: positional arguments (cheaper
// for PostgreSQL to parse than naming each one), every parameter passed so that a function has
// one statement shape whatever fields a client sends, and a parameter whose SQL default is not
// null left out when absent — the calls after it then named — so that the default applies.

import { describe, expect, test } from "vitest";
import { buildRpcCall, inlineRpcCall } from "../../functions/_shared/db/rpc-signatures.ts";

describe("api.* calls", () => {
  test("create_activity has one statement shape, whichever fields are sent", () => {
    const shapes = new Set(
      [{ type: "call" }, { type: "call", title: "t", metadata: { a: 1 } }, { type: "note", deal_id: "3f8e1d2c-4b5a-4d7e-8f9a-0b1c2d3e4f5a" }].map(
        (args) => buildRpcCall("create_activity", args).text,
      ),
    );
    expect([...shapes]).toEqual([
      "select api.create_activity($1::text, $2::text, $3::text, $4::uuid, $5::uuid, $6::text, $7::text, $8::text, $9::text::json)::text as result",
    ]);
  });

  test("absent fields travel as nulls, in signature order", () => {
    expect(buildRpcCall("create_activity", { metadata: { a: 1 }, type: "call" }).values).toEqual([
      "call", null, null, null, null, null, null, null, '{"a":1}',
    ]);
    expect(inlineRpcCall("get_activity", { id: "3f8e1d2c-4b5a-4d7e-8f9a-0b1c2d3e4f5a" })).toBe(
      "select api.get_activity(E'3f8e1d2c-4b5a-4d7e-8f9a-0b1c2d3e4f5a'::uuid)::text as result",
    );
  });

  test("a parameter with a non-null default is left out when absent, and those after it are named", () => {
    expect(inlineRpcCall("list_webhook_endpoints", { starting_after: "3f8e1d2c-4b5a-4d7e-8f9a-0b1c2d3e4f5a" })).toBe(
      "select api.list_webhook_endpoints(starting_after => E'3f8e1d2c-4b5a-4d7e-8f9a-0b1c2d3e4f5a'::uuid)::text as result",
    );
    expect(buildRpcCall("list_webhook_endpoints", { max_results: 5 }).text).toBe(
      "select api.list_webhook_endpoints($1::integer, $2::uuid)::text as result",
    );
  });

  test("an unknown argument is a bug, not a silently dropped field", () => {
    expect(() => buildRpcCall("create_activity", { type: "call", typo: 1 })).toThrow(/no parameter typo/);
  });
});
