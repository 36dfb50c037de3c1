// POST /v1/activities: the gateway's own validation, with the database replaced by a recorder.
// The database checks the same rules again (supabase/tests/database/05-input-validation.sql) and
// answers the same 400s, so a contract test cannot tell which one refused; here a request the
// gateway lets through reaches the recorder, and every limit is tried on both sides of its edge.

import { describe, expect, test } from "vitest";
import { STUB_API_KEY, stubDatabaseApp } from "../support/stub-database-app.ts";

const UUID = "123e4567-e89b-12d3-a456-426614174000";
const EMOJI = "😀"; // one code point, two UTF-16 units, four UTF-8 bytes

/** metadata `{"a":"<text>"}`: 8 bytes of JSON around the text. */
const metadataOf = (text: string) => ({ a: text });
/** metadata nested `levels` deep: the metadata object is level 1, then objects (or arrays) inside. */
function nested(levels: number, container: "object" | "array" = "object"): Record<string, unknown> {
  let value: unknown = container === "object" ? {} : [];
  for (let depth = levels - 1; depth >= 2; depth--) value = container === "object" ? { a: value } : [value];
  return { a: value };
}

describe("accepted by the gateway, up to each limit (and passed on unchanged)", () => {
  test.each<[string, Record<string, unknown>]>([
    ["only a type", { type: "call" }],
    ["a type of 64 characters", { type: "a".repeat(64) }],
    ["a custom type with . : - _", { type: "acme:demo.booked-2_x" }],
    ["a title of 500 code points (1000 UTF-16 units)", { type: "call", title: EMOJI.repeat(500) }],
    ["a description of 65,536 characters", { type: "note", description: "d".repeat(65_536) }],
    ["an entity_id of 255 and an entity_name of 500 characters", { type: "call", entity_type: "campaign", entity_id: "i".repeat(255), entity_name: "n".repeat(500) }],
    ["metadata of exactly 8192 bytes", { type: "call", metadata: metadataOf("x".repeat(8184)) }],
    ["metadata of exactly 8192 bytes in two-byte characters", { type: "call", metadata: metadataOf("é".repeat(4092)) }],
    ["metadata nested 16 levels deep", { type: "call", metadata: nested(16) }],
    ["metadata with arrays nested 16 levels deep", { type: "call", metadata: nested(16, "array") }],
    ["upper-case UUIDs", { type: "call", contact_id: UUID.toUpperCase(), deal_id: UUID }],
    ["null for every optional field", { type: "call", title: null, description: null, contact_id: null, deal_id: null, entity_type: null, entity_id: null, entity_name: null, metadata: null }],
  ])("%s", async (_, body) => {
    const gateway = stubDatabaseApp();
    const response = await gateway.createActivity(body);
    expect(response.status).toBe(201);
    expect(gateway.calls).toHaveLength(1);
    expect(gateway.calls[0]).toMatchObject({ fn: "create_activity", args: body });
  });

  test("metadata is measured as compact JSON, not as sent: 8192 bytes plus whitespace is accepted", async () => {
    const gateway = stubDatabaseApp();
    const response = await gateway.request("/v1/activities", {
      method: "POST",
      headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Content-Type": "application/json" },
      body: `{"type": "call", "metadata": { "a" : "${"x".repeat(8184)}" }}`,
    });
    expect(response.status).toBe(201);
    expect(gateway.calls).toHaveLength(1);
  });
});

describe("refused by the gateway itself: a 400 in the one error shape, and the database never called", () => {
  test.each<[string, unknown, string, string | undefined]>([
    ["no type", { title: "x" }, "missing_required_field", "type"],
    ["a null type", { type: null }, "missing_required_field", "type"],
    ["an empty type", { type: "" }, "invalid_field", "type"],
    ["a type of 65 characters", { type: "a".repeat(65) }, "invalid_field", "type"],
    ["a type starting with _", { type: "_call" }, "invalid_field", "type"],
    ["a type with a space", { type: "phone call" }, "invalid_field", "type"],
    ["a type that is a number", { type: 7 }, "invalid_field", "type"],
    ["a title of 501 code points", { type: "call", title: EMOJI.repeat(501) }, "invalid_field", "title"],
    ["a title with a NUL", { type: "call", title: "a\u0000b" }, "invalid_field", "title"],
    ["a title with a lone surrogate", { type: "call", title: "a\ud800b" }, "invalid_field", "title"],
    ["a title that is a number", { type: "call", title: 5 }, "invalid_field", "title"],
    ["a description of 65,537 characters", { type: "note", description: "d".repeat(65_537) }, "invalid_field", "description"],
    ["an entity_id of 256 characters", { type: "call", entity_type: "campaign", entity_id: "i".repeat(256) }, "invalid_field", "entity_id"],
    ["an entity_name of 501 characters", { type: "call", entity_type: "campaign", entity_id: "1", entity_name: "n".repeat(501) }, "invalid_field", "entity_name"],
    ["an entity_type with a space", { type: "call", entity_type: "a campaign", entity_id: "1" }, "invalid_field", "entity_type"],
    ["an entity_type without entity_id", { type: "call", entity_type: "campaign" }, "invalid_field", "entity_id"],
    ["an entity_id without entity_type", { type: "call", entity_id: "1" }, "invalid_field", "entity_type"],
    ["a contact_id that is not a UUID", { type: "call", contact_id: "123" }, "invalid_field", "contact_id"],
    ["a deal_id that is a number", { type: "call", deal_id: 42 }, "invalid_field", "deal_id"],
    ["metadata of 8193 bytes", { type: "call", metadata: metadataOf("x".repeat(8185)) }, "metadata_too_large", "metadata"],
    ["metadata of 8194 bytes in 4101 characters", { type: "call", metadata: metadataOf("é".repeat(4093)) }, "metadata_too_large", "metadata"],
    ["metadata nested 17 levels deep", { type: "call", metadata: nested(17) }, "invalid_field", "metadata"],
    ["metadata with arrays nested 17 levels deep", { type: "call", metadata: nested(17, "array") }, "invalid_field", "metadata"],
    ["metadata with a NUL in a value", { type: "call", metadata: { a: ["x\u0000"] } }, "invalid_field", "metadata"],
    ["metadata with a lone surrogate in a key", { type: "call", metadata: { "\udc00": 1 } }, "invalid_field", "metadata"],
    ["metadata that is an array", { type: "call", metadata: [1] }, "invalid_field", "metadata"],
    ["metadata that is a string", { type: "call", metadata: "{}" }, "invalid_field", "metadata"],
    ["an unknown field", { type: "call", colour: "red" }, "invalid_field", "colour"],
    ["a body that is an array", [{ type: "call" }], "invalid_json", undefined],
  ])("%s", async (_, body, code, param) => {
    const gateway = stubDatabaseApp();
    const response = await gateway.createActivity(body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ code, request_id: expect.stringMatching(/^req_/) });
    expect(error.param).toBe(param);
    expect(gateway.calls).toEqual([]);
  });

  test("each refusal says what the rule is", async () => {
    const message = async (body: unknown) => {
      const response = await stubDatabaseApp().createActivity(body);
      return ((await response.json()) as { error: { message: string } }).error.message;
    };
    expect(await message({ title: "x" })).toBe("type is required.");
    expect(await message({ type: "call", metadata: metadataOf("x".repeat(8185)) })).toBe("metadata must be at most 8192 bytes when serialised as JSON.");
    expect(await message({ type: "call", metadata: nested(17) })).toBe("metadata may nest at most 16 levels deep.");
    expect(await message({ type: "call", metadata: { a: "\u0000" } })).toBe("metadata strings must be valid Unicode text without NUL characters.");
    expect(await message({ type: "call", metadata: { "\u0000": 1 } })).toBe("metadata keys must be valid Unicode text without NUL characters.");
    expect(await message({ type: "call", title: EMOJI.repeat(501) })).toBe("title must be at most 500 characters.");
    expect(await message({ type: "call", title: "\u0000" })).toBe("title must be valid Unicode text without NUL characters.");
    expect(await message({ type: "call", colour: "red" })).toBe('Unknown field "colour".');
    expect(await message({ type: "call", entity_type: "campaign" })).toBe("entity_type and entity_id must be given together.");
  });
});
