// json-text.ts: metadata kept as the client's text. The scanner finds each `metadata` object
// wherever it sits (through arrays, past strings holding quotes and brackets), the text is
// compacted without touching strings, the number rule agrees with its statement, and the
// serialiser writes the kept text verbatim.

import { describe, expect, test } from "vitest";
import { compactJson, inexactNumber, isInexactNumber, JsonText, jsonNesting, parseJsonKeeping, stringifyJson } from "../../functions/_shared/json-text.ts";

describe("parseJsonKeeping", () => {
  test("a metadata object becomes its compact text, with its parsed value; order and numbers kept", () => {
    const value = parseJsonKeeping('{"type":"call", "metadata" : {"2": 1.0, "1": [ -0 ], "b": "x \\" ] } y"}}') as Record<string, unknown>;
    expect(value.metadata).toBeInstanceOf(JsonText);
    expect((value.metadata as JsonText).text).toBe('{"2":1.0,"1":[-0],"b":"x \\" ] } y"}');
    expect((value.metadata as JsonText).value).toEqual({ 1: [-0], 2: 1, b: 'x " ] } y' });
    expect(stringifyJson(value)).toBe('{"type":"call","metadata":{"2":1.0,"1":[-0],"b":"x \\" ] } y"}}');
  });

  test("found through objects and arrays; a metadata key inside metadata is data", () => {
    const text = '{"data":{"activities":[{"metadata":null},{"id":"a\\\\","metadata":{"metadata":{"9":1,"8":2}}}]},"x\\u0041":{"metadata":{"3":0,"2":0}}}';
    const value = parseJsonKeeping(text) as any;
    expect(value.data.activities[0].metadata).toBeNull();
    expect(value.data.activities[1].metadata.text).toBe('{"metadata":{"9":1,"8":2}}');
    expect(value.xA.metadata.text).toBe('{"3":0,"2":0}');
    expect(stringifyJson(value)).toBe(text.replace("x\\u0041", "xA"));
  });

  test("metadata that is not an object stays as parsed; a duplicate member keeps the last, as JSON.parse", () => {
    expect(parseJsonKeeping('{"metadata":[1,2]}')).toEqual({ metadata: [1, 2] });
    expect(parseJsonKeeping('{"metadata":"{}"}')).toEqual({ metadata: "{}" });
    expect(((parseJsonKeeping('{"metadata":{"a":1},"metadata":{"2":2,"1":1}}') as any).metadata as JsonText).text).toBe('{"2":2,"1":1}');
  });

  test("JSON.stringify of a JsonText falls back to its value", () => {
    expect(JSON.stringify({ m: new JsonText('{"b":1,"a":2}') })).toBe('{"m":{"b":1,"a":2}}');
  });
});

describe("compactJson, jsonNesting", () => {
  test("whitespace between tokens goes, whitespace in strings stays", () => {
    expect(compactJson(' {\n\t"a b" : [ 1 , "c  d\\"  e" ] }\r\n')).toBe('{"a b":[1,"c  d\\"  e"]}');
  });
  test("nesting counts containers, not brackets in strings", () => {
    expect(jsonNesting('{"a":[[{}]],"b":"[[[[[[["}')).toBe(4);
    expect(jsonNesting("{}")).toBe(1);
  });
});

describe("the number rule: what a reader using IEEE doubles would not keep", () => {
  test.each([
    "1e400", "-1e400", "9007199254740992", "-9007199254740992", "9007199254740993", "9007199254740992.5", "1e16", "10000000000000000",
    "1e300", "1e-400", "2.2250738585072013e-308", "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001",
    "0e1000", "1E+1000", "1e-0001000", "1e+0999", "1e-0999",
  ])("%s is refused", (token) => expect(isInexactNumber(token)).toBe(true));

  test.each([
    "0", "-0", "0.0", "1.0", "2.50", "0.1", "9007199254740991", "-9007199254740991", "1e15", "1E2",
    "2.2250738585072014e-308", "1.5e-300", "123456789.123456789", "0e999",
  ])("%s is kept", (token) => expect(isInexactNumber(token)).toBe(false));

  test("inexactNumber looks outside strings only", () => {
    expect(inexactNumber('{"a":"1e400","b":[1,2.5]}')).toBeUndefined();
    expect(inexactNumber('{"a":"x","b":[1,9007199254740993]}')).toBe("9007199254740993");
  });
});
