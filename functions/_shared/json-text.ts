// JSON kept as its text, for `metadata`: the doc promises it comes back exactly as sent — the
// same keys in the same order, every number as written. A parsed JavaScript object cannot keep
// that (JSON.parse puts integer-like keys such as "2", "1" first, in ascending order, and turns
// 9007199254740993 into …992), so the text of each `metadata` member is kept beside the parsed
// value, travels to SQL as json text, comes back from SQL as text and is written into the
// response verbatim (stringifyJson). The database compacts it the same way (compact_json).
//
// The rules for numbers are the database's (app_private.json_has_inexact_number): a number is
// refused when a client reading it as an IEEE double would not get its value — |value| >= 2^53,
// a non-zero |value| below 2.2250738585072014e-308, or an exponent of 1000 or more in magnitude.

/** A JSON value as text (compact), with its parsed form for checks that read values. */
export class JsonText {
  constructor(
    readonly text: string,
    readonly value: unknown = JSON.parse(text),
  ) {}

  /** Where something serialises it with JSON.stringify: the value (order of integer-like keys lost). */
  toJSON(): unknown {
    return this.value;
  }
}

// A JSON string token (the text is valid JSON: a quote outside a string always opens one).
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/g;
const STRING_OR_SPACE = /("[^"\\]*(?:\\.[^"\\]*)*")|[ \t\n\r]+/g;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g;

/** The JSON text without insignificant whitespace; strings, keys, order and numbers untouched. */
export function compactJson(text: string): string {
  return /[ \t\n\r]/.test(text) ? text.replace(STRING_OR_SPACE, (_, string: string | undefined) => string ?? "") : text;
}

/** The deepest nesting of a JSON text: the top object or array is level 1. */
export function jsonNesting(text: string): number {
  const structure = text.replace(STRING, "");
  let level = 0;
  let deepest = 0;
  for (let i = 0; i < structure.length; i++) {
    const c = structure.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++level);
    else if (c === 0x7d || c === 0x5d) level--;
  }
  return deepest;
}

const TWO_TO_53 = 9007199254740992n;
// 2.2250738585072014e-308 = 0.22250738585072014 × 10^-307, the smallest normal double.
const SMALLEST_NORMAL_DIGITS = "22250738585072014";

/** Whether a JSON number token would not be read back exactly as an IEEE double (rule above). */
export function isInexactNumber(token: string): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([-+]?)0*(\d+))?$/.exec(token);
  if (!match) throw new TypeError(`not a JSON number: ${token}`);
  const [, whole, fraction = "", sign = "", exponentDigits = "0"] = match;
  if (exponentDigits.length >= 4) return true;
  // value = 0.digits × 10^magnitude, digits without leading zeros.
  let digits = whole! + fraction;
  let magnitude = whole!.length + (sign === "-" ? -1 : 1) * Number(exponentDigits);
  const leadingZeros = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(leadingZeros).replace(/0+$/, "");
  magnitude -= leadingZeros;
  if (digits === "") return false; // zero, -0, 0.0, 0e5
  if (magnitude > 16) return true;
  if (magnitude === 16 && BigInt(digits.slice(0, 16).padEnd(16, "0")) >= TWO_TO_53) return true;
  if (magnitude < -307) return true;
  if (magnitude === -307) {
    const width = Math.max(digits.length, SMALLEST_NORMAL_DIGITS.length);
    return digits.padEnd(width, "0") < SMALLEST_NORMAL_DIGITS.padEnd(width, "0");
  }
  return false;
}

/** The first number of a JSON text (outside strings) that a double would not keep, or undefined. */
export function inexactNumber(text: string): string | undefined {
  const outsideStrings = text.replace(STRING, '""');
  // Most JSON has only short numbers: nothing to look at closely.
  // (a magnitude below 1e-307 without an exponent needs 300 fraction digits: caught by \d{16}).
  if (!/\d{16}|\d[eE]/.test(outsideStrings)) return undefined;
  for (const [token] of outsideStrings.matchAll(NUMBER)) if (isInexactNumber(token)) return token;
  return undefined;
}

/**
 * JSON.parse, except that every object member named `name` whose value is an object (and that
 * is not itself inside such a member) becomes a JsonText of its compact text. `text` must be
 * valid JSON (it is parsed first).
 */
export function parseJsonKeeping(text: string, name = "metadata"): unknown {
  const value = JSON.parse(text) as unknown;
  if (!text.includes(JSON.stringify(name))) return value;
  for (const { path, start, end } of objectMembers(text, name)) {
    let holder = value as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) holder = holder[step] as Record<string | number, unknown>;
    const key = path.at(-1)!;
    holder[key] = new JsonText(compactJson(text.slice(start, end)), holder[key]);
  }
  return value;
}

/**
 * Spans of the object values of members named `name`, with their paths from the top. One pass
 * over the text with charCodeAt, skipping strings with indexOf; a key is compared as written
 * (a key spelled with escapes is not recognised: that member is then checked and sent as parsed).
 */
function objectMembers(text: string, name: string): Array<{ path: Array<string | number>; start: number; end: number }> {
  const found: Array<{ path: Array<string | number>; start: number; end: number }> = [];
  const quotedName = JSON.stringify(name);
  // Per open container: whether it is an array, the key or index of the value being read, and
  // (objects) whether the next string is a key.
  const isArray: boolean[] = [];
  const steps: Array<string | number> = [];
  const expectKey: boolean[] = [];
  let keptFrom = -1;
  let keptDepth = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const close = stringEnd(text, i);
      const top = isArray.length - 1;
      if (top >= 0 && !isArray[top] && expectKey[top]) {
        const key = text.slice(i, close + 1);
        steps[top] = key === quotedName ? name : key.includes("\\") ? (JSON.parse(key) as string) : key.slice(1, -1);
        expectKey[top] = false;
      }
      i = close;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const top = isArray.length - 1;
      if (c === 0x7b && keptDepth < 0 && top >= 0 && !isArray[top] && steps[top] === name) {
        keptFrom = i;
        keptDepth = top + 1;
      }
      isArray.push(c === 0x5b);
      steps.push(0);
      expectKey.push(c === 0x7b);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      isArray.pop();
      steps.pop();
      expectKey.pop();
      if (keptDepth === isArray.length) {
        found.push({ path: steps.slice(), start: keptFrom, end: i + 1 });
        keptDepth = -1;
      }
    } else if (c === 0x2c /* , */) {
      const top = isArray.length - 1;
      if (isArray[top]) steps[top] = (steps[top] as number) + 1;
      else expectKey[top] = true;
    }
  }
  return found;
}

/** Index of the quote closing the string that opens at `open`. */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}

/** JSON.stringify that writes every JsonText as its text (undefined members left out, as JSON.stringify does). */
export function stringifyJson(value: unknown): string {
  if (value instanceof JsonText) return value.text;
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined || typeof item === "function" || typeof item === "symbol" ? "null" : stringifyJson(item))).join(",")}]`;
  }
  if (typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON !== "function") {
    const members: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      members.push(`${JSON.stringify(key)}:${stringifyJson(item)}`);
    }
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
