// POST /v1/activities: the gateway's own validation, with the database replaced by a recorder.
// The database checks the same rules again (supabase/tests/database/05-input-validation.sql) and
// answers the same 400s, so a contract test cannot tell which one refused; here a request the
// gateway lets through reaches the recorder, and every limit is tried on both sides of its edge.

import { describe, expect, test } from "vitest";
import { JsonText, stringifyJson } from "../../functions/_shared/json-text.ts";
import { STUB_API_KEY, stubDatabaseApp } from "../support/stub-database-app.ts";

const UUID = "123e4567-e89b-12d3-a456-426614174000";
const EMOJI = "😀"; // one code point, two UTF-16 units, four UTF-8 bytes
const TYPE_RULE = 'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.';
const METADATA_RULE = "metadata must be at most 8192 bytes when serialised as JSON.";

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
    ["a UUID entity_id and an entity_name of 500 characters", { type: "call", entity_type: "campaign", entity_id: UUID, entity_name: "n".repeat(500) }],
    ["metadata of exactly 8192 bytes", { type: "call", metadata: metadataOf("x".repeat(8184)) }],
    ["metadata of exactly 8192 bytes in two-byte characters", { type: "call", metadata: metadataOf("é".repeat(4092)) }],
    ["metadata nested 16 levels deep", { type: "call", metadata: nested(16) }],
    ["metadata with arrays nested 16 levels deep", { type: "call", metadata: nested(16, "array") }],
    ["a title of 500 code points at the ends of the astral planes", { type: "call", title: "\u{10000}".repeat(250) + "\u{10FFFF}".repeat(250) }],
    ["metadata holding every kind of JSON value", { type: "call", metadata: { n: null, i: 1, f: 2.5, t: true, s: "x", list: [null, 0, false, [], {}] } }],
    ["upper-case UUIDs", { type: "call", contact_id: UUID.toUpperCase(), deal_id: UUID }],
    ["null for every optional field", { type: "call", title: null, description: null, contact_id: null, deal_id: null, entity_type: null, entity_id: null, entity_name: null, metadata: null }],
  ])("%s", async (_, body) => {
    const gateway = stubDatabaseApp();
    const response = await gateway.createActivity(body);
    expect(response.status).toBe(201);
    expect(gateway.calls).toHaveLength(1);
    // metadata travels as the client's text (a JsonText); its value is the one sent.
    expect({ ...gateway.calls[0], args: JSON.parse(stringifyJson(gateway.calls[0]!.args)) }).toMatchObject({ fn: "create_activity", args: body });
  });

  test("metadata reaches the database as the client's text, compact: order, integer-like keys and numbers as written", async () => {
    const gateway = stubDatabaseApp();
    const response = await gateway.request("/v1/activities", {
      method: "POST",
      headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Content-Type": "application/json" },
      body: '{"type":"call","metadata": {"b": 1.0, "2": -0, "1": [ 9007199254740991 , "a  b" ]}}',
    });
    expect(response.status).toBe(201);
    const metadata = gateway.calls[0]!.args.metadata;
    expect(metadata).toBeInstanceOf(JsonText);
    expect((metadata as JsonText).text).toBe('{"b":1.0,"2":-0,"1":[9007199254740991,"a  b"]}');
  });

  test("an upper-case entity_id reaches the database lower case", async () => {
    const gateway = stubDatabaseApp();
    const response = await gateway.createActivity({ type: "call", entity_type: "campaign", entity_id: UUID.toUpperCase() });
    expect(response.status).toBe(201);
    expect(gateway.calls[0]!.args.entity_id).toBe(UUID);
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

describe("refused by the gateway itself: a 400 in the one error shape saying the rule, and the database never called", () => {
  test.each<[string, unknown, string, string | undefined, string]>([
    ["no type", { title: "x" }, "missing_required_field", "type", "type is required."],
    ["a null type", { type: null }, "missing_required_field", "type", "type is required."],
    ["an empty type", { type: "" }, "invalid_field", "type", "type must not be empty."],
    ["a type of 65 characters", { type: "a".repeat(65) }, "invalid_field", "type", TYPE_RULE],
    ["a type starting with _", { type: "_call" }, "invalid_field", "type", TYPE_RULE],
    ["a type with a space", { type: "phone call" }, "invalid_field", "type", TYPE_RULE],
    ["a type that is a number", { type: 7 }, "invalid_field", "type", "type is required and must be a string."],
    ["a title of 501 code points", { type: "call", title: EMOJI.repeat(501) }, "invalid_field", "title", "title must be at most 500 characters."],
    ["a title of 501 code points at the ends of the astral planes", { type: "call", title: "\u{10000}".repeat(251) + "\u{10FFFF}".repeat(250) }, "invalid_field", "title", "title must be at most 500 characters."],
    ["a title with a NUL", { type: "call", title: "a\u0000b" }, "invalid_field", "title", "title must be valid Unicode text without NUL characters."],
    ["a title with a lone surrogate", { type: "call", title: "a\ud800b" }, "invalid_field", "title", "title must be valid Unicode text without NUL characters."],
    ["a title that is a number", { type: "call", title: 5 }, "invalid_field", "title", "title must be a string."],
    ["a description of 65,537 characters", { type: "note", description: "d".repeat(65_537) }, "invalid_field", "description", "description must be at most 65536 characters."],
    ["a description that is an object", { type: "note", description: {} }, "invalid_field", "description", "description must be a string."],
    ["an entity_id that is not a UUID", { type: "call", entity_type: "campaign", entity_id: "cmp_42" }, "invalid_field", "entity_id", "entity_id must be a UUID."],
    ["an entity_id that is a UUID in braces", { type: "call", entity_type: "campaign", entity_id: `{${UUID}}` }, "invalid_field", "entity_id", "entity_id must be a UUID."],
    ["an entity_id that is a number", { type: "call", entity_type: "campaign", entity_id: 42 }, "invalid_field", "entity_id", "entity_id must be a UUID string."],
    ["an entity_name of 501 characters", { type: "call", entity_type: "campaign", entity_id: UUID, entity_name: "n".repeat(501) }, "invalid_field", "entity_name", "entity_name must be at most 500 characters."],
    ["an entity_name with a NUL", { type: "call", entity_type: "campaign", entity_id: UUID, entity_name: "\u0000" }, "invalid_field", "entity_name", "entity_name must be valid Unicode text without NUL characters."],
    ["an entity_type with a space", { type: "call", entity_type: "a campaign", entity_id: UUID }, "invalid_field", "entity_type", 'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.'],
    ["an entity_type that is a number", { type: "call", entity_type: 1, entity_id: UUID }, "invalid_field", "entity_type", "entity_type must be a string."],
    ["an entity_type without entity_id", { type: "call", entity_type: "campaign" }, "invalid_field", "entity_id", "entity_type and entity_id must be given together."],
    ["an entity_id without entity_type", { type: "call", entity_id: UUID }, "invalid_field", "entity_type", "entity_type and entity_id must be given together."],
    ["a contact_id that is not a UUID", { type: "call", contact_id: "123" }, "invalid_field", "contact_id", "contact_id must be a UUID."],
    ["a contact_id with something before the UUID", { type: "call", contact_id: `x${UUID}` }, "invalid_field", "contact_id", "contact_id must be a UUID."],
    ["a deal_id with something after the UUID", { type: "call", deal_id: `${UUID}0` }, "invalid_field", "deal_id", "deal_id must be a UUID."],
    ["a deal_id that is a number", { type: "call", deal_id: 42 }, "invalid_field", "deal_id", "deal_id must be a UUID string."],
    ["metadata of 8193 bytes", { type: "call", metadata: metadataOf("x".repeat(8185)) }, "metadata_too_large", "metadata", METADATA_RULE],
    ["metadata of 8194 bytes in 4101 characters", { type: "call", metadata: metadataOf("é".repeat(4093)) }, "metadata_too_large", "metadata", METADATA_RULE],
    ["metadata nested 17 levels deep", { type: "call", metadata: nested(17) }, "invalid_field", "metadata", "metadata may nest at most 16 levels deep."],
    ["metadata with arrays nested 17 levels deep", { type: "call", metadata: nested(17, "array") }, "invalid_field", "metadata", "metadata may nest at most 16 levels deep."],
    ["metadata with a NUL in a value", { type: "call", metadata: { a: ["x\u0000"] } }, "invalid_field", "metadata", "metadata strings must be valid Unicode text without NUL characters."],
    ["metadata with a lone surrogate in a key", { type: "call", metadata: { "\udc00": 1 } }, "invalid_field", "metadata", "metadata keys must be valid Unicode text without NUL characters."],
    ["metadata that is an array", { type: "call", metadata: [1] }, "invalid_field", "metadata", "metadata must be a JSON object."],
    ["metadata that is a string", { type: "call", metadata: "{}" }, "invalid_field", "metadata", "metadata must be a JSON object."],
    ["an unknown field", { type: "call", colour: "red" }, "invalid_field", "colour", 'Unknown field "colour".'],
    ["a body that is an array", [{ type: "call" }], "invalid_json", undefined, "The request body must be a JSON object."],
  ])("%s", async (_, body, code, param, message) => {
    const gateway = stubDatabaseApp();
    const response = await gateway.createActivity(body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toEqual({ code, message, ...(param === undefined ? {} : { param }), request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/) });
    expect(gateway.calls).toEqual([]);
  });
});

describe("metadata numbers a double would not keep: refused by the gateway, the database never called", () => {
  const INEXACT = "metadata numbers must be kept exactly by an IEEE double: integers within ±(2^53-1), no overflow or underflow.";
  test.each([
    ["1e400", "1e400"],
    ["2^53", "9007199254740992"],
    ["-2^53 in an array", "[-9007199254740992]"],
    ["2^53 + 1 (JSON.parse would make it 2^53)", "9007199254740993"],
    ["an integer beyond 2^53 written with a fraction", "9007199254740993.0"],
    ["1e300, an integer value beyond 2^53", "1e300"],
    ["1e-400, read as 0", "1e-400"],
    ["an exponent of 1000 or more", "0e1000"],
  ])("%s", async (_, number) => {
    const gateway = stubDatabaseApp();
    const response = await gateway.request("/v1/activities", {
      method: "POST",
      headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Content-Type": "application/json" },
      body: `{"type":"call","metadata":{"n":${number}}}`,
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
    expect(error).toMatchObject({ code: "invalid_field", param: "metadata" });
    expect(error.message.startsWith(INEXACT)).toBe(true);
    expect(gateway.calls).toEqual([]);
  });

  test.each(["9007199254740991", "-9007199254740991", "1.0", "-0", "0.1", "1.5e-300", "123456789.123456789", "1e2", "2.2250738585072014e-308"])(
    "%s is kept",
    async (number) => {
      const gateway = stubDatabaseApp();
      const response = await gateway.request("/v1/activities", {
        method: "POST",
        headers: { Authorization: `Bearer ${STUB_API_KEY}`, "Content-Type": "application/json" },
        body: `{"type":"call","metadata":{"n":${number},"s":"1e400"}}`,
      });
      expect(response.status).toBe(201);
      expect((gateway.calls[0]!.args.metadata as JsonText).text).toBe(`{"n":${number},"s":"1e400"}`);
    },
  );
});

describe("GET /v1/activities/{id}: act_ and a UUID, or the bare UUID, in any letter case; anything else is simply not found", () => {
  test.each([`ACT_${UUID.toUpperCase()}`, UUID.toUpperCase()])("%s reaches the database as the bare uuid", async (id) => {
    const gateway = stubDatabaseApp();
    expect((await gateway.send("GET", `/v1/activities/${id}`)).status).toBe(200);
    expect(gateway.calls).toMatchObject([{ fn: "get_activity", readOnly: true }]);
    expect(String(gateway.calls[0]!.args.id).toLowerCase()).toBe(UUID);
  });

  test.each([`xact_${UUID}`, `act_${UUID}0`, `we_${UUID}`])("%s: 404 activity_not_found, no database call", async (id) => {
    const gateway = stubDatabaseApp();
    const response = await gateway.send("GET", `/v1/activities/${id}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({
      code: "activity_not_found",
      param: "id",
      message: `No activity with id "${id}" exists in this workspace.`,
    });
    expect(gateway.calls).toEqual([]);
  });

  test("the message quotes at most 100 characters of a long id", async () => {
    const id = `act_${"a".repeat(200)}`;
    const response = await stubDatabaseApp().send("GET", `/v1/activities/${id}`);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(`No activity with id "${id.slice(0, 100)}" exists in this workspace.`);
  });
});
