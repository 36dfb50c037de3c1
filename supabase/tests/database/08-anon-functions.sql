-- Every function `anon` may execute, by name. PostgREST lets anyone holding the project's anon
-- key call what anon may execute in the exposed schema, and the api functions (which run as
-- anon) reach the rest; so each grant is deliberate, and a new one fails here until it is added
-- to the list. Then the one that was not deliberate: waking the webhook dispatcher takes an API
-- key that may manage webhooks.
begin;
select plan(11);

select set_eq(
  $$ select p.oid::regprocedure::text from pg_proc p
      where has_function_privilege('anon', p.oid, 'execute')
        -- Not ours: PostgreSQL's catalogs, Supabase's auth helpers, and extensions' functions
        -- (pgTAP's own, here); nor the test helpers of schema tests, made by the test runner.
        and p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'auth'::regnamespace,
                                   'tests'::regnamespace)
        and not exists (select from pg_depend d
                         where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e') $$,
  array[
    -- the API: one function per operation, each checking the request's key itself
    'api.create_activity(text,text,text,uuid,uuid,text,text,text,json)',
    'api.get_activity(uuid)',
    'api.list_activities(uuid,uuid,text,text,text[],timestamp with time zone,timestamp with time zone,integer,uuid,text)',
    'api.create_activities(json)',
    'api.update_activity(uuid,json)',
    'api.delete_activity(uuid)',
    'api.create_webhook_endpoint(text,text[],text)',
    'api.list_webhook_endpoints(integer,uuid)',
    'api.get_webhook_endpoint(uuid)',
    'api.update_webhook_endpoint(uuid,text,text[],boolean,text)',
    'api.delete_webhook_endpoint(uuid)',
    'api.rotate_webhook_endpoint_secret(uuid)',
    'api.list_webhook_deliveries(uuid,integer,uuid)',
    'api.retry_webhook_delivery(uuid,uuid)',
    -- the key: resolve it, require a scope, read its workspace (SECURITY DEFINER)
    'app_private.request_api_key()',
    'app_private.require_scope(text)',
    'app_private.key_workspace_with_scope(text[])',
    -- idempotency keys (SECURITY DEFINER), each for the request key's own workspace
    'app_private.idempotent_replay(text,text,json)',
    'app_private.remember_response(text,text,json,json)',
    -- the timelines: whether the key's workspace has this contact / deal (SECURITY DEFINER)
    'app_private.key_sees_contact(uuid)',
    'app_private.key_sees_deal(uuid)',
    -- webhooks, SECURITY DEFINER, each checking the key's workspace and scope
    'app_private.issue_webhook_secret(uuid)',
    'app_private.webhook_delivery_in_flight(uuid)',
    'app_private.poke_webhook_dispatcher_with_key()',
    -- activities a write-only key changes or deletes (SECURITY DEFINER: see 06-privileges.sql)
    'app_private.change_activity_row(uuid,json)',
    'app_private.delete_activity_row(uuid)',
    -- pure helpers running as the caller: JSON shapes, field checks, error raising
    'app_private.activity_json(app.activities)',
    'app_private.activity_field_problem(text,text,text,text,text,text,json)',
    'app_private.compact_json(json)',
    'app_private.json_nesting(json)',
    'app_private.json_has_unstorable_escape(json)',
    'app_private.json_has_inexact_number(json)',
    'app_private.api_timestamp(timestamp with time zone)',
    'app_private.webhook_endpoint_json(app.webhook_endpoints,text)',
    'app_private.webhook_delivery_json(uuid)',
    'app_private.check_webhook_endpoint_fields(text,text[],text)',
    'app_private.raise_invalid(text,text,text)',
    'app_private.request_idempotency_key()',
    'app_private.raise_endpoint_not_found(uuid,text)',
    'app_private.activity_fields_problem(text,text,text,text,text,text,text,text,json)',
    'app_private.unknown_activity_field(json)',
    'app_private.raise_activity_not_found(uuid)'
  ],
  'anon may execute exactly the reviewed functions (outside pg_catalog, auth and extensions)');

-- Fixture, as the owner: a workspace with a key that manages webhooks and writes activities, and
-- one that only writes activities.
-- Forgets the transaction's poke, so that the next one shows.
create procedure pg_temp.forget_poke() language sql as $$
  select set_config('webhooks.dispatcher_poked', '', true)
$$;
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
do $$ begin
  perform tests.create_key('webhooks', array['webhooks:write', 'activities:write']);
  perform tests.create_key('activities', array['activities:write']);
end $$;

-- The dispatcher poke itself: not anon's, whatever it sends.
set local role anon;
call tests.use_headers('{}');
select throws_ok($$ select app_private.poke_webhook_dispatcher() $$, '42501', null,
  'anon cannot call app_private.poke_webhook_dispatcher() (without a key: permission denied)');
call tests.use_key('webhooks');
select throws_ok($$ select app_private.poke_webhook_dispatcher() $$, '42501', null,
  'anon cannot call app_private.poke_webhook_dispatcher() even with a valid key');

-- The path the api functions use.
call tests.use_headers('{}');
select throws_ok($$ select app_private.poke_webhook_dispatcher_with_key() $$, 'PT401', 'invalid_key',
  'poke_webhook_dispatcher_with_key without a key: invalid_key');
call tests.use_headers('{"x-api-key":"wbk_not_a_key"}');
select throws_ok($$ select app_private.poke_webhook_dispatcher_with_key() $$, 'PT401', 'invalid_key',
  'poke_webhook_dispatcher_with_key with an unknown key: invalid_key');
call tests.use_key('activities');
select throws_ok($$ select app_private.poke_webhook_dispatcher_with_key() $$, 'PT403', 'insufficient_permissions',
  'poke_webhook_dispatcher_with_key with a key lacking webhooks:write: insufficient_permissions');
call tests.use_key('webhooks');
call pg_temp.forget_poke();
select lives_ok($$ select app_private.poke_webhook_dispatcher_with_key() $$,
  'poke_webhook_dispatcher_with_key with a webhooks:write key runs');
select is(current_setting('webhooks.dispatcher_poked', true), 'on', 'and pokes the dispatcher');

-- The api functions that poke still do, as anon with their key.
select (api.create_webhook_endpoint('https://hooks.example.com/crm', array['activity.created'])
          -> 'webhook_endpoint' ->> 'id') as endpoint_id \gset
select lives_ok($$ select api.create_activity('call') $$, 'an activity for the endpoint (one delivery)');
call pg_temp.forget_poke();
select is(
  api.retry_webhook_delivery(substr(:'endpoint_id', 4)::uuid,
    (select d.id from app.webhook_deliveries d where d.endpoint_id = substr(:'endpoint_id', 4)::uuid))
    -> 'delivery' ->> 'status',
  'pending',
  'api.retry_webhook_delivery works as anon with a webhooks:write key');
select is(current_setting('webhooks.dispatcher_poked', true), 'on', 'and it pokes the dispatcher');

select * from finish();
rollback;
