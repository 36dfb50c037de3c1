// GET /docs in a real browser: headless Chromium loads the reference page from the Node server
// (`npm start`'s program), Scalar renders the served OpenAPI document, the activities operation
// is there to find, and a screenshot is saved to test-results/api-reference.png. Every request the
// page makes stays on the server: Scalar's bundle comes from our own route, not a CDN, and
// nothing goes to fonts or telemetry hosts.

import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SCALAR_BUNDLE_PATH } from "../../functions/api-gateway/routes/reference/scalar-bundle.ts";
import { type Browser, chromiumAvailable, launchChromium } from "../support/chromium.ts";
import { type NodeServer, startNodeServer } from "../support/node-server.ts";
import { ROOT } from "../support/server-process.ts";

const available = await chromiumAvailable();
const SCREENSHOT = join(ROOT, "test-results", "api-reference.png");

describe.skipIf(!available)("the API reference page in headless Chromium", () => {
  let dataDir: string;
  let server: NodeServer;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "api-gateway-docs-"));
    server = await startNodeServer({ DATA_DIR: dataDir, WEBHOOKS_DISPATCHER: "0" }, { timeoutMs: 60_000 });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("renders the document, finds POST /v1/activities, and saves a screenshot", async () => {
    const page = await browser.context.newPage();
    const requested: string[] = [];
    const failures: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    page.on("pageerror", (error) => failures.push(error.message));

    const response = await page.goto(`${server.baseUrl}/functions/v1/api-gateway/docs`);
    expect(response?.status()).toBe(200);
    await page.getByText("Record an activity").first().waitFor({ state: "visible", timeout: 30_000 });
    // The operation's own section: its summary as a heading, its method and path.
    const operation = page.getByRole("heading", { name: "Record an activity" }).first();
    await operation.scrollIntoViewIfNeeded();
    await expect.poll(async () => page.locator("body").innerText(), { timeout: 15_000 }).toContain("/v1/activities");
    const text = await page.locator("body").innerText();
    expect(text).toContain("CRM activity API");
    expect(text).toMatch(/activities:write/);

    await mkdir(join(ROOT, "test-results"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);

    const origin = new URL(server.baseUrl).origin;
    expect(requested.filter((url) => !url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:"))).toEqual([]);
    expect(requested).toContain(`${origin}/functions/v1/api-gateway${SCALAR_BUNDLE_PATH}`);
    expect(requested).toContain(`${origin}/functions/v1/api-gateway/v1/openapi.json`);
    expect(failures).toEqual([]);
  }, 90_000);
});
