-- Gives a plain PostgreSQL (or PGlite) what every Supabase database already has, so that the
-- migrations and the per-request role switch behave the same everywhere: the API roles, the
-- NOINHERIT login role PostgREST connects as, and the `auth` helpers policies may call.
-- Definitions follow supabase/postgres `00000000000000-initial-schema.sql` and supabase/auth
-- `20240624145325_recreate_auth_functions.up.sql`. Every statement is guarded, so on a real
-- Supabase database (or on a second run) nothing changes. Never part of supabase/migrations.

-- Roles are cluster-wide and test runs create databases in parallel: create each one in its own
-- block so a concurrent creator's `duplicate_object` is harmless.
do $$ begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;

do $$ begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;

do $$ begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;

do $$ begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    -- No password here: set one with `alter role authenticator password '…'` on a server that
    -- does not trust local connections.
    create role authenticator login noinherit;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;

do $$ begin
  if not (pg_has_role('authenticator', 'anon', 'member')
          and pg_has_role('authenticator', 'authenticated', 'member')
          and pg_has_role('authenticator', 'service_role', 'member')) then
    grant anon, authenticated, service_role to authenticator;
  end if;
exception when others then
  -- Concurrent grants of the same membership race on pg_auth_members; one of them suffices.
  if sqlstate not in ('XX000', '23505', '40001') then raise; end if;
end $$;

-- Supabase's per-role statement timeouts; PostgREST applies them on every role switch.
do $$ begin
  if not exists (
    select from pg_catalog.pg_db_role_setting s join pg_catalog.pg_roles r on r.oid = s.setrole
    where r.rolname = 'anon' and s.setdatabase = 0
  ) then
    alter role anon set statement_timeout = '3s';
    alter role authenticated set statement_timeout = '8s';
  end if;
exception when unique_violation then null;
end $$;

create schema if not exists extensions;
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;

do $$ begin
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
    language sql stable set search_path to '' as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
      )::uuid
    $f$;
  end if;
  if to_regprocedure('auth.role()') is null then
    create function auth.role() returns text
    language sql stable set search_path to '' as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
      )::text
    $f$;
  end if;
  if to_regprocedure('auth.email()') is null then
    create function auth.email() returns text
    language sql stable set search_path to '' as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim.email', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
      )::text
    $f$;
  end if;
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb
    language sql stable set search_path to '' as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $f$;
  end if;
exception when duplicate_function then null;
end $$;
