// Headless Chromium (Debian's `chromium` package, which .ci/run installs) driven by playwright-core.
// Absent on a developer's machine, the tests that need it skip with a loud message; with
// REQUIRE_SERVICES (CI) its absence fails the run instead.

import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { prerequisiteMissing } from "./services.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** This machine's network is closed: nothing in the background may try to reach out. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether Chromium is installed, without warning: for the end-of-run report. */
export function chromiumInstalled(): Promise<boolean> {
  return access(CHROMIUM).then(
    () => true,
    () => false,
  );
}

export async function chromiumAvailable(): Promise<boolean> {
  return (await chromiumInstalled()) || prerequisiteMissing("browser tests", `there is no Chromium at ${CHROMIUM}`, "apt-get install chromium.");
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile per launch, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
