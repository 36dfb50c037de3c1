// client/openapi-types.ts is what openapi-typescript generates from the document today (a stale
// file fails here and in CI). The file holds the whole document — every schema, rule and
// description — so this is also what notices a changed rule or text in the document. No service
// needed: it runs in mutation testing too.

import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { generateTypes } from "@crm-activity-api/openapi-typescript";
import { apiDocument } from "../../functions/api-gateway/routes/index.ts";
import { expectedTypes, TYPES_FILE } from "../../scripts/openapi-types.ts";

describe("client/openapi-types.ts", () => {
  test("is what openapi-typescript generates from the document now (else: npm run openapi:types)", async () => {
    const committed = await readFile(TYPES_FILE, "utf8");
    expect(committed === (await expectedTypes()), "client/openapi-types.ts is stale: run `npm run openapi:types`").toBe(true);
  }, 60_000);

  test("a change to the document changes the generated types (so the check above can fail)", async () => {
    const changed = structuredClone(apiDocument()) as any;
    changed.components.schemas.Activity.properties.title.description = "Changed.";
    const committed = await readFile(TYPES_FILE, "utf8");
    expect(committed.endsWith(await generateTypes(changed))).toBe(false);
    expect(committed.endsWith(await generateTypes(apiDocument()))).toBe(true);
  }, 60_000);
});
