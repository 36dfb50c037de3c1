// Reads the settings of wrangler.toml that Miniflare needs, so the tests run the Worker with the
// configuration `wrangler dev`/`wrangler deploy` would use: main, compatibility date and flags,
// and [vars]. Only the TOML this file uses: `key = "string"`, `key = ["a", "b"]`, tables,
// comments; anything else is an error rather than a silent misread.

import { readFile } from "node:fs/promises";
import { ROOT } from "./server-process.ts";

export interface WranglerConfig {
  name: string;
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

export async function readWranglerConfig(path = `${ROOT}wrangler.toml`): Promise<WranglerConfig> {
  const tables: Record<string, Record<string, string | string[]>> = { "": {} };
  let table = "";
  for (const [index, rawLine] of (await readFile(path, "utf8")).split("\n").entries()) {
    const line = rawLine.replace(/\s+#.*$/, "").replace(/^#.*$/, "").trim();
    if (line === "") continue;
    const header = /^\[\[?([A-Za-z0-9_.-]+)\]\]?$/.exec(line);
    if (header) {
      table = header[1]!;
      tables[table] ??= {};
      continue;
    }
    const entry = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (!entry) throw new Error(`wrangler.toml:${index + 1}: cannot read ${JSON.stringify(rawLine)}`);
    const value = JSON.parse(entry[2]!) as unknown;
    if (typeof value !== "string" && !(Array.isArray(value) && value.every((item) => typeof item === "string"))) {
      throw new Error(`wrangler.toml:${index + 1}: only strings and arrays of strings are read here`);
    }
    tables[table]![entry[1]!] = value as string | string[];
  }
  const top = tables[""]!;
  const text = (key: string) => {
    const value = top[key];
    if (typeof value !== "string") throw new Error(`wrangler.toml: ${key} must be a string`);
    return value;
  };
  return {
    name: text("name"),
    main: text("main"),
    compatibilityDate: text("compatibility_date"),
    compatibilityFlags: (top.compatibility_flags as string[] | undefined) ?? [],
    vars: Object.fromEntries(Object.entries(tables.vars ?? {}).map(([key, value]) => [key, String(value)])),
  };
}
