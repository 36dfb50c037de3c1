// What a new hosted Supabase database has before the first migration, on a plain PostgreSQL:
// the API roles and auth helpers (the project's compat script, which changes nothing on a real
// Supabase database), pgcrypto and uuid-ossp in the `extensions` schema, and pg_net's API in the
// `net` schema (unless asked without). pg_net itself is not packaged for Debian, so its http_post here records each
// request in net.http_request_queue (the table pg_net queues into) instead of sending it.

import { readFileSync } from "node:fs";
import type { SqlExecutor } from "../../functions/_node/sql-executor.ts";

const COMPAT = readFileSync(new URL("../../supabase/compat/supabase-roles.sql", import.meta.url), "utf8");

const EXTENSIONS = `
  set client_min_messages = warning;
  create extension if not exists pgcrypto with schema extensions;
  create extension if not exists "uuid-ossp" with schema extensions;`;

const PG_NET = `
  create schema if not exists net;
  create table if not exists net.http_request_queue (
    id bigserial primary key, method text not null, url text not null, headers jsonb, body bytea,
    timeout_milliseconds integer not null
  );
  create or replace function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
  ) returns bigint language sql volatile as $$
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id
  $$;
  grant usage on schema net to anon, authenticated, service_role;`;

/**
 * Runs as the database's owner (a superuser here; migrations run as `postgres` on Supabase).
 * `pgNet: false` for a project that has not enabled pg_net.
 */
export async function shapeLikeSupabase(admin: SqlExecutor, options: { pgNet?: boolean } = {}): Promise<void> {
  await admin.exec(`set client_min_messages = warning;\n${COMPAT}`);
  await admin.exec(EXTENSIONS);
  if (options.pgNet ?? true) await admin.exec(PG_NET);
}
