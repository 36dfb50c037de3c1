-- The security attributes the behaviour tests rely on, read from the catalog so that a new
-- function, table, view or grant that breaks them fails here even before anyone writes a test
-- for it: api.* run as the caller, SECURITY DEFINER helpers pin their search_path, nothing is
-- executable by PUBLIC, every table has RLS on, and anon holds only the privileges it needs.
begin;
select plan(24);

-- Functions: who they run as, and where they look names up.
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.pronamespace = 'api'::regnamespace and p.prosecdef $$,
  'every api.* function is SECURITY INVOKER, so RLS applies to its caller');
select is_definer('app_private', 'request_api_key', '{}'::name[],
  'app_private.request_api_key is SECURITY DEFINER (it alone reads key hashes)');
select is((select proconfig from pg_proc where oid = 'app_private.request_api_key()'::regprocedure),
  array['search_path=""'],
  'app_private.request_api_key runs with an empty search_path');
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.prosecdef
        and p.pronamespace in ('api'::regnamespace, 'app'::regnamespace, 'app_private'::regnamespace, 'admin'::regnamespace)
        and not exists (select from unnest(p.proconfig) c where c like 'search\_path=%') $$,
  'every SECURITY DEFINER function of the project (api, app, app_private, admin) fixes its search_path');
-- Except the SQL helpers made to be inlined into their callers (a SET clause prevents inlining):
-- SECURITY INVOKER, names qualified with pg_catalog, and each listed here.
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.pronamespace in ('api'::regnamespace, 'app_private'::regnamespace, 'admin'::regnamespace)
        and not exists (select from unnest(p.proconfig) c where c like 'search\_path=%')
        and not (p.oid in ('app_private.activity_field_problem(text,text,text,text,text,text,json)'::regprocedure,
                           'app_private.compact_json(json)'::regprocedure)
                 and not p.prosecdef and p.prolang = (select oid from pg_language where lanname = 'sql')) $$,
  'every function in api, app_private and admin fixes its search_path, but the inlined SQL helpers');

-- Functions: who may execute them.
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.pronamespace in ('api'::regnamespace, 'app_private'::regnamespace, 'admin'::regnamespace)
        and has_function_privilege('public', p.oid, 'execute') $$,
  'no function in api, app_private or admin is executable by PUBLIC');
-- A SECURITY DEFINER function anon may execute is a deliberate hole in RLS: each one on this
-- list was reviewed for checking the request's key itself. Adding one means adding it here.
select set_eq(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.prosecdef and has_function_privilege('anon', p.oid, 'execute')
        and p.pronamespace in ('api'::regnamespace, 'app'::regnamespace, 'app_private'::regnamespace, 'admin'::regnamespace) $$,
  array[
    -- the key itself: resolve it, read its workspace and scopes, require a scope
    'app_private.request_api_key()',
    'app_private.require_scope(text)',
    'app_private.key_workspace_with_scope(text[])',
    -- idempotency keys: each reads and writes only the request key's workspace
    'app_private.idempotent_replay(text,text,json)',
    'app_private.remember_response(text,text,json,json)',
    -- the timelines: whether the key's own workspace (activities:read) has this contact / deal
    'app_private.key_sees_contact(uuid)',
    'app_private.key_sees_deal(uuid)',
    -- webhooks: each checks the key's workspace and scope
    'app_private.issue_webhook_secret(uuid)',
    'app_private.webhook_delivery_in_flight(uuid)',
    'app_private.poke_webhook_dispatcher_with_key()',
    -- activities: PostgreSQL applies SELECT policies to an UPDATE's or DELETE's WHERE, so a
    -- write-only key could change nothing under RLS; these two change one row of the key's own
    -- workspace (taken from the key, never an argument) and show nothing to a key that may not read
    'app_private.change_activity_row(uuid,json)',
    'app_private.delete_activity_row(uuid)'
  ],
  'anon may execute exactly the reviewed SECURITY DEFINER functions of api, app, app_private and admin');
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.pronamespace = 'admin'::regnamespace and has_function_privilege('anon', p.oid, 'execute') $$,
  'anon may execute no admin.* function');
select is(has_schema_privilege('anon', 'admin', 'usage'), false, 'anon has no usage on schema admin');
select is(has_schema_privilege('anon', 'supabase_migrations', 'usage'), false,
  'anon has no usage on schema supabase_migrations');

-- Schemas: nobody but the owner adds objects next to the API's.
select is_empty(
  $$ select n.nspname from pg_namespace n
      where n.nspname in ('api', 'app', 'app_private', 'admin')
        and (has_schema_privilege('anon', n.oid, 'create') or has_schema_privilege('authenticated', n.oid, 'create')) $$,
  'neither anon nor authenticated may create objects in api, app, app_private or admin');

-- Tables: RLS everywhere, no view that would skip it, no grant to PUBLIC, and every policy
-- that lets anon in is tied to the request's API key.
select is_empty(
  $$ select c.oid::regclass::text from pg_class c
      where c.relnamespace in ('app'::regnamespace, 'app_private'::regnamespace)
        and c.relkind in ('r', 'p') and not c.relrowsecurity $$,
  'row-level security is enabled on every table in schemas app and app_private');
select isnt_empty(
  $$ select from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p') $$,
  'schema app has tables (so the check above checked something)');
select is_empty(
  $$ select c.oid::regclass::text from pg_class c
      where c.relnamespace in ('api'::regnamespace, 'app'::regnamespace, 'app_private'::regnamespace)
        and c.relkind in ('v', 'm')
        and not coalesce('security_invoker=true' = any (c.reloptions), false) $$,
  'no view in api, app or app_private runs as its owner (that would bypass RLS)');
select is_empty(
  $$ select c.oid::regclass::text from pg_class c
      where c.relnamespace in ('api'::regnamespace, 'app'::regnamespace, 'app_private'::regnamespace)
        and c.relkind in ('r', 'p', 'v', 'm', 'S')
        and (has_table_privilege('public', c.oid, 'select, insert, update, delete, truncate, references, trigger')
             or has_any_column_privilege('public', c.oid, 'select, insert, update, references')) $$,
  'no table, view or sequence in api, app or app_private is granted to PUBLIC');
select is_empty(
  $$ select p.tablename || ': ' || p.policyname from pg_policies p
      where p.schemaname in ('app', 'app_private') and 'public' = any (p.roles) $$,
  'no policy in app or app_private applies to every role (PUBLIC)');
select is_empty(
  $$ select p.tablename || ': ' || p.policyname from pg_policies p
      where p.schemaname in ('app', 'app_private') and 'anon' = any (p.roles)
        and (p.qual is null and p.with_check is null
             or p.qual !~ 'app_private\.(request_api_key|key_workspace)'
             or p.with_check !~ 'app_private\.(request_api_key|key_workspace)') $$,
  'every policy for anon checks the request''s API key in each of its expressions');
select is_empty(
  $$ select p.tablename || ': ' || p.policyname from pg_policies p
      where p.schemaname = 'app' and p.tablename in ('api_keys', 'workspaces', 'workspace_members') $$,
  'api_keys, workspaces and workspace_members have no policy: deny-all under RLS');

-- Tables: what anon may do. Keys and tenancy are out of reach entirely; on the activity tables
-- the privileges are exactly these (a new one must be added here deliberately).
create function pg_temp.anon_privileges(relation regclass) returns setof text language sql as $$
  select relation::text || ' ' || privilege
    from unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) privilege
   where case when privilege in ('select', 'insert', 'update', 'references')
              then has_any_column_privilege('anon', relation, privilege)
              else has_table_privilege('anon', relation, privilege) end
$$;
select is_empty(
  $$ select pg_temp.anon_privileges(c.oid) from pg_class c
      where c.oid in ('app.api_keys'::regclass, 'app.workspaces'::regclass, 'app.workspace_members'::regclass)
         or (c.relnamespace = 'app_private'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S'))
         or c.oid = to_regclass('app.webhook_secrets') or c.oid = to_regclass('app.idempotency_keys') $$,
  'anon holds no privilege on api_keys, workspaces, workspace_members, webhook secrets, idempotency keys or any app_private table');
select set_eq(
  $$ select pg_temp.anon_privileges(c) from unnest(array['app.activities', 'app.contacts', 'app.deals']::regclass[]) c $$,
  array['app.activities select', 'app.activities insert'],
  'anon may select and insert activities, and nothing else on them, contacts or deals');
select is_empty(
  $$ select a.attrelid::regclass::text || '.' || a.attname from pg_attribute a
      where a.attrelid in ('app.contacts'::regclass, 'app.deals'::regclass) and a.attnum > 0 and not a.attisdropped
        and has_column_privilege('anon', a.attrelid, a.attnum, 'select') $$,
  'anon may read no column of contacts or deals');

-- Roles: anon is what it says.
select is((select rolsuper or rolbypassrls or rolcreaterole or rolcreatedb or rolinherit
             from pg_roles where rolname = 'anon'), false,
  'anon is not superuser, does not bypass RLS, cannot create roles or databases, and inherits nothing');
select is_empty(
  $$ select m.roleid::regrole::text from pg_auth_members m where m.member = 'anon'::regrole $$,
  'anon is a member of no other role (it cannot set role to service_role or an owner)');
select is((select rolcanlogin from pg_roles where rolname = 'anon'), false, 'anon cannot log in directly');

select * from finish();
rollback;
