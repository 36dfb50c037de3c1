// SQL literals for the one place we send values inline: the wire transport's single-message
// transaction (see postgres.ts). An E'' string with backslash and quote escaped is read the
// same whatever standard_conforming_strings says, and the connection's encoding is UTF8; NUL,
// the one character PostgreSQL text cannot hold, is refused here before anything is sent.

import { stringifyJson } from "../json-text.ts";

export type SqlType = "text" | "uuid" | "json" | "jsonb" | "text[]" | "timestamptz" | "integer" | "boolean";

export function quoteText(text: string): string {
  if (text.includes("\u0000")) throw new TypeError("PostgreSQL text cannot contain NUL characters.");
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** `value` as a literal of `type`: a quoted text cast to it, a number, a boolean or null. */
export function sqlLiteral(value: unknown, type: SqlType): string {
  if (value === null || value === undefined) return `null::${type}`;
  switch (type) {
    case "json":
    case "jsonb":
      return `${quoteText(jsonArgumentText(value))}::text::${type}`;
    case "integer":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError("not an integer");
      return `${value}::integer`;
    case "boolean":
      if (typeof value !== "boolean") throw new TypeError("not a boolean");
      return String(value);
    case "text[]":
      if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw new TypeError("not a text array");
      return `array[${value.map((item) => quoteText(item)).join(", ")}]::text[]`;
    default:
      if (typeof value !== "string") throw new TypeError(`not a ${type} string`);
      return `${quoteText(value)}::${type}`;
  }
}

/**
 * A json argument's text, with every JsonText in it as its own text (order and numbers as the
 * client wrote them): a batch's items and a PATCH's changes carry metadata inside.
 */
export function jsonArgumentText(value: unknown): string {
  return stringifyJson(value);
}
