// The wire transport sends each request as one literal script, so the literal encoder is what
// stands between a caller's text and SQL injection. Every string must come back from a real
// PostgreSQL byte for byte, whatever standard_conforming_strings says; NUL is refused.

import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { quoteText, sqlLiteral } from "../../functions/_shared/db/sql-literal.ts";
import { POSTGRES_ADMIN_URL, serviceAvailable } from "../support/services.ts";

const NASTY = [
  "",
  "plain",
  "it's",
  "''",
  "\\",
  "\\'",
  "\\\\'; drop table app.activities; --",
  "'); select pg_sleep(10); --",
  "E'\\x41'",
  "$$ dollar $$",
  "line\nbreak\r\n\ttab",
  "\\u0041 \\x41 \\101",
  "🙂 é 中文 \u2028 \ufeff",
  "\u0001\u001f\u007f",
  "x".repeat(70_000),
];

describe("quoteText without a database", () => {
  test("refuses NUL, which PostgreSQL text cannot hold", () => {
    expect(() => quoteText("a\u0000b")).toThrow(/NUL/);
  });

  test("values of the wrong kind are refused, not coerced", () => {
    expect(() => sqlLiteral(5, "text")).toThrow();
    expect(() => sqlLiteral("5", "integer")).toThrow();
    expect(() => sqlLiteral(["a", 1], "text[]")).toThrow();
    expect(sqlLiteral(null, "uuid")).toBe("null::uuid");
  });
});

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("quoteText round trips through PostgreSQL", () => {
  let sql: postgres.Sql;
  beforeAll(() => {
    sql = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
  });

  test.each(["on", "off"])("with standard_conforming_strings = %s", async (setting) => {
    await sql.unsafe(`set standard_conforming_strings = ${setting}`);
    try {
      const script = NASTY.map((text, i) => `select ${i} as i, ${quoteText(text)} as v`).join(" union all ");
      const rows = (await sql.unsafe(script)) as unknown as Array<{ i: number; v: string }>;
      expect(rows).toHaveLength(NASTY.length);
      for (const row of rows) expect(row.v).toBe(NASTY[row.i]);
    } finally {
      await sql.unsafe("reset standard_conforming_strings");
    }
  });

  test("json and arrays arrive as the values they encode", async () => {
    const value = { quote: "it's", backslash: "\\", nested: { list: [1, "two", null] } };
    const [row] = (await sql.unsafe(
      `select ${sqlLiteral(value, "json")} as j, ${sqlLiteral(["a'b", "c\\d"], "text[]")} as a`,
    )) as unknown as Array<{ j: unknown; a: string[] }>;
    expect(row!.j).toEqual(value);
    expect(row!.a).toEqual(["a'b", "c\\d"]);
  });
});
