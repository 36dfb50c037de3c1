// A vitest reporter that closes a run which skipped tests with a loud banner: how many of how
// many were skipped, in which files, and what this machine lacks (each skip in this suite is a
// `describe.skipIf(!available)` over a missing service; `.skip` is not used). The warnings the
// files print when they skip scroll away in a long run; this is the last thing on the screen.

import type { Reporter, TestModule, Vitest } from "vitest/node";

interface Missing {
  what: string;
  why: string;
}

/** What the skipping files could have been missing, asked again here (the main process). */
async function missingOnThisMachine(): Promise<Missing[]> {
  const { serviceAnswers, serviceLocation } = await import("./services.ts");
  const { missingPgtapPrerequisite } = await import("./pgtap-prerequisites.ts");
  const { chromiumInstalled, CHROMIUM } = await import("./chromium.ts");
  const missing: Missing[] = [];
  for (const name of ["postgres", "redis"] as const) {
    if (!(await serviceAnswers(name))) missing.push({ what: name === "postgres" ? "PostgreSQL" : "Redis", why: `nothing answers at ${serviceLocation(name)}` });
  }
  const pgtap = await missingPgtapPrerequisite();
  if (pgtap && !missing.some((m) => m.what === "PostgreSQL")) missing.push({ what: "pgTAP", why: pgtap });
  if (!(await chromiumInstalled())) missing.push({ what: "Chromium", why: `no browser at ${CHROMIUM}` });
  return missing;
}

export function skippedTestsBanner(skipped: number, total: number, files: Array<[string, number]>, missing: Missing[]): string {
  const bar = "!".repeat(78);
  const lines = [
    `${skipped} of ${total} tests were SKIPPED — this run did not test what they cover.`,
    ...(missing.length > 0 ? ["Missing on this machine:", ...missing.map((m) => `  ${m.what}: ${m.why}`)] : []),
    "Each skipping file printed a SKIPPING warning above naming what it lacks.",
    "Skipped tests per file:",
    ...files.map(([file, count]) => `  ${String(count).padStart(4)}  ${file}`),
    "Start the services (README, Tests), or run with REQUIRE_SERVICES=1 to make a missing one fail the run.",
  ];
  return `\n${bar}\n${lines.map((line) => `!! ${line}`).join("\n")}\n${bar}\n`;
}

export class SkippedTestsReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    // A name filter (-t) skips the tests it does not match: those skips are asked for.
    this.filtered = Boolean(vitest.config.testNamePattern);
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    if (this.filtered) return;
    let total = 0;
    const files: Array<[string, number]> = [];
    for (const module of testModules) {
      let skipped = 0;
      for (const test of module.children.allTests()) {
        total++;
        if (test.result().state === "skipped") skipped++;
      }
      if (skipped > 0) files.push([module.relativeModuleId, skipped]);
    }
    const skipped = files.reduce((sum, [, count]) => sum + count, 0);
    if (skipped === 0) return;
    process.stderr.write(skippedTestsBanner(skipped, total, files, await missingOnThisMachine()));
  }
}
