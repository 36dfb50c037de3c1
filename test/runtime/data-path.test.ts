// Which data path an edge entry takes for a given environment (Supabase sets SUPABASE_URL,
// SUPABASE_ANON_KEY and SUPABASE_PUBLISHABLE_KEYS, and SUPABASE_DB_URL for every function), and
// which project key it sends to PostgREST.

import { describe, expect, test } from "vitest";
import { chooseDataPath, describeDataPath } from "../../functions/_shared/db/data-path.ts";
import { EnvError, GatewayEnvSchema, parseEnv } from "../../functions/_shared/env.ts";

const choose = (raw: Record<string, string>) => chooseDataPath(parseEnv(GatewayEnvSchema, raw));
const SUPABASE = {
  SUPABASE_URL: "https://abc.supabase.co",
  SUPABASE_ANON_KEY: "anon.jwt.key",
  SUPABASE_DB_URL: "postgresql://postgres:pw@db.abc.supabase.co:5432/postgres",
};

describe("chooseDataPath", () => {
  test("on Supabase: PostgREST through supabase-js, not the database URL it also sets", () => {
    expect(choose(SUPABASE)).toEqual({ kind: "postgrest", url: SUPABASE.SUPABASE_URL, key: "anon.jwt.key", keyFrom: "SUPABASE_ANON_KEY" });
  });

  test("DATABASE_URL wins over everything", () => {
    expect(choose({ ...SUPABASE, DATABASE_URL: "postgres://authenticator@h/db" })).toEqual({
      kind: "postgres",
      url: "postgres://authenticator@h/db",
      from: "DATABASE_URL",
    });
  });

  test("a publishable key, given directly or as hosted Supabase's JSON map", () => {
    const { SUPABASE_ANON_KEY: _anon, ...withoutAnon } = SUPABASE;
    expect(choose({ ...withoutAnon, SUPABASE_PUBLISHABLE_KEY: "sb_publishable_a" })).toMatchObject({ key: "sb_publishable_a" });
    expect(choose({ ...withoutAnon, SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_b"}' })).toMatchObject({ key: "sb_publishable_b" });
    expect(() => choose({ ...withoutAnon, SUPABASE_PUBLISHABLE_KEYS: "sb_publishable_c" })).toThrow(/SUPABASE_PUBLISHABLE_KEYS must be a JSON object/);
  });

  // Hosted functions keep the legacy JWT in SUPABASE_ANON_KEY after the project disables legacy
  // keys (supabase/supabase#37648): with both set, the publishable key must win.
  test("a publishable key wins over the legacy anon key hosted Supabase also sets", () => {
    expect(choose({ ...SUPABASE, SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_b"}' })).toMatchObject({
      key: "sb_publishable_b",
      keyFrom: "SUPABASE_PUBLISHABLE_KEYS.default",
    });
    expect(choose({ ...SUPABASE, SUPABASE_PUBLISHABLE_KEY: "sb_publishable_a" })).toMatchObject({ key: "sb_publishable_a" });
  });

  test("SUPABASE_PUBLISHABLE_KEYS without a default entry: another of its keys, else the anon key; never a refusal to start", () => {
    expect(choose({ ...SUPABASE, SUPABASE_PUBLISHABLE_KEYS: '{"web":"sb_publishable_w"}' })).toMatchObject({
      key: "sb_publishable_w",
      keyFrom: "SUPABASE_PUBLISHABLE_KEYS.web",
    });
    expect(choose({ ...SUPABASE, SUPABASE_PUBLISHABLE_KEYS: "{}" })).toMatchObject({ key: "anon.jwt.key", keyFrom: "SUPABASE_ANON_KEY" });
    const { SUPABASE_ANON_KEY: _anon, SUPABASE_DB_URL: _db, ...urlOnly } = SUPABASE;
    expect(() => choose({ ...urlOnly, SUPABASE_PUBLISHABLE_KEYS: "{}" })).toThrow(/SUPABASE_URL is set but no key for it/);
  });

  test("SUPABASE_DB_URL only when no PostgREST is configured", () => {
    expect(choose({ SUPABASE_DB_URL: SUPABASE.SUPABASE_DB_URL })).toMatchObject({ kind: "postgres", from: "SUPABASE_DB_URL" });
  });

  test("nothing configured, or a URL without a key: one clear error", () => {
    expect(() => choose({})).toThrow(EnvError);
    expect(() => choose({})).toThrow(/no database configured/);
    expect(() => choose({ SUPABASE_URL: SUPABASE.SUPABASE_URL })).toThrow(/SUPABASE_URL is set but no key for it/);
  });

  test("the description names the path and the host, never credentials", () => {
    expect(describeDataPath(choose(SUPABASE))).toBe("supabase-js → PostgREST at abc.supabase.co (key: SUPABASE_ANON_KEY)");
    const described = describeDataPath(choose({ DATABASE_URL: "postgres://authenticator:secret@db.example:6543/postgres" }));
    expect(described).toBe("postgres.js (DATABASE_URL) → db.example:6543");
    expect(described).not.toMatch(/secret/);
  });
});
