// The served document passes `redocly lint` (@redocly/cli, its recommended rules: OpenAPI 3.1
// structure, $refs, unique operationIds, security defined, examples valid against their
// schemas…) with no errors, and no warnings but the two public reference routes having no 4xx
// response — they have none to document.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import type { OpenApiDocument } from "../../functions/api-gateway/openapi/document.ts";
import { apiDocument } from "../../functions/api-gateway/routes/index.ts";
import { ROOT } from "../support/server-process.ts";

const run = promisify(execFile);
const REDOCLY = join(ROOT, "node_modules", ".bin", "redocly");

interface Problem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: Array<{ pointer: string }>;
}

async function lint(document: object): Promise<Problem[]> {
  const dir = await mkdtemp(join(tmpdir(), "openapi-lint-"));
  try {
    const file = join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(document, null, 2));
    let stdout: string;
    try {
      ({ stdout } = await run(REDOCLY, ["lint", file, "--format=json"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", HOME: dir, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (error) {
      // Exit code 1 when there are errors; the report is still on stdout.
      stdout = (error as { stdout?: string }).stdout ?? "";
      if (!stdout.trim().startsWith("{")) throw error;
    }
    return (JSON.parse(stdout) as { problems: Problem[] }).problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const summary = (problems: Problem[]) => problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);

describe("redocly lint", () => {
  test("the API document: no errors; warnings only for the reference routes' missing 4xx", async () => {
    const problems = await lint(apiDocument());
    expect(summary(problems.filter((p) => p.severity === "error"))).toEqual([]);
    expect(summary(problems.filter((p) => p.severity === "warn"))).toEqual([
      "warn operation-4xx-response at #/paths/~1v1~1openapi.json/get/responses: Operation must have at least one `4XX` response.",
      "warn operation-4xx-response at #/paths/~1docs/get/responses: Operation must have at least one `4XX` response.",
    ]);
  }, 60_000);

  test("a broken document fails it: an example that contradicts its schema, a dangling $ref", async () => {
    const broken = structuredClone(apiDocument()) as OpenApiDocument & { paths: Record<string, Record<string, any>> };
    broken.paths["/v1/activities"]!.post.requestBody.content["application/json"].example.title = 42;
    broken.paths["/v1/activities/{id}"]!.get.responses[200].content["application/json"].schema = { $ref: "#/components/schemas/Nope" };
    const problems = await lint(broken);
    expect(problems.filter((p) => p.severity === "error").map((p) => p.ruleId)).toContain("no-unresolved-refs");
    // A warning in the recommended rules, so the exact warning list above is what catches it.
    expect(problems.filter((p) => p.severity === "warn").map((p) => p.ruleId)).toContain("no-invalid-media-type-examples");
  }, 60_000);
});
