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
  if (!/\d{16}|\d[eE]|\.\d{255}/.test(outsideStrings)) return undefined;
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

interface Frame {
  array: boolean;
  /** The member's key (objects) or the element's index (arrays) of the value being read. */
  step: string | number;
  /** Objects: the next string is a key. */
  expectKey: boolean;
  /** Where the kept member's value starts, when this frame is one. */
  keptFrom?: number;
}

/** Spans of the object values of members named `name`, with their paths from the top. */
function objectMembers(text: string, name: string): Array<{ path: Array<string | number>; start: number; end: number }> {
  const found: Array<{ path: Array<string | number>; start: number; end: number }> = [];
  const frames: Frame[] = [];
  let keptDepth = -1; // frames index of the kept member being skipped, -1 when none
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const close = stringEnd(text, i);
      const top = frames.at(-1);
      if (top && !top.array && top.expectKey) {
        top.step = JSON.parse(text.slice(i, close + 1)) as string;
        top.expectKey = false;
      }
      i = close;
    } else if (c === "{" || c === "[") {
      const parent = frames.at(-1);
      const frame: Frame = { array: c === "[", step: 0, expectKey: c === "{" };
      if (c === "{" && keptDepth < 0 && parent && !parent.array && parent.step === name) {
        frame.keptFrom = i;
        keptDepth = frames.length;
      }
      frames.push(frame);
    } else if (c === "}" || c === "]") {
      const frame = frames.pop()!;
      if (frame.keptFrom !== undefined) {
        found.push({ path: [...frames.map((f) => f.step)], start: frame.keptFrom, end: i + 1 });
        keptDepth = -1;
      }
    } else if (c === ",") {
      const top = frames.at(-1)!;
      if (top.array) top.step = (top.step as number) + 1;
      else top.expectKey = true;
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
    while (text[quote - 1 - backslashes] === "\\") backslashes++;
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
