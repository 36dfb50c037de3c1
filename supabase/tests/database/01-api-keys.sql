-- A request without a valid API key gets nothing: no key, an unknown key, an expired or a revoked
-- key is `PT401 invalid_key` at every entry point, and the `anon` role the API runs as can neither
-- read the key table (hashes included) nor reach the operator functions that manage keys.
begin;
select plan(36);

-- Fixture, as the owner. Ids: first digit = workspace (a), second = kind
-- (0 workspace, 1 user, 2 contact, 4 activity).
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
insert into app.contacts (id, workspace_id, name)
values ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Ann');
insert into app.activities (id, workspace_id, type, created_by_user_id)
values ('a4000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'note',
        'a1000000-0000-4000-8000-000000000000');
do $$ begin
  perform tests.create_key('valid', array['activities:read', 'activities:write']);
  perform tests.create_key('expired', array['activities:read', 'activities:write'], expires_at => now() - interval '1 second');
  perform tests.create_key('expires now', array['activities:read', 'activities:write'], expires_at => now());
  perform tests.create_key('expires tomorrow', array['activities:read', 'activities:write'], expires_at => now() + interval '1 day');
  perform tests.create_key('to revoke', array['activities:read', 'activities:write']);
end $$;

-- No request.headers at all (never set in this session).
set local role anon;
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'no request headers: create_activity is refused with invalid_key');
select throws_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$, 'PT401', 'invalid_key',
  'no request headers: get_activity is refused with invalid_key');
select throws_ok($$ select count(*) from app.activities $$, 'PT401', 'invalid_key',
  'no request headers: a direct select on activities is refused, not answered with rows');
select throws_ok($$ select count(*) from app.contacts $$, '42501', 'permission denied for table contacts',
  'no request headers: a direct select on contacts is refused');

-- Headers without a usable key.
call tests.use_headers('{}');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'no x-api-key header: refused with invalid_key');
call tests.use_headers('{"x-api-key": ""}');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'empty x-api-key: refused with invalid_key');
call tests.use_headers(json_build_object('authorization', 'Bearer ' || tests.key_text('valid')));
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'a valid key in Authorization instead of x-api-key is not read by the database');
call tests.use_headers('{"x-api-key": "wbk_0000000000000000000000000000000000000000000000000000000000000000"}');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'unknown key: refused with invalid_key');
select throws_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$, 'PT401', 'invalid_key',
  'unknown key: get_activity refused with invalid_key');

-- Near misses of a valid key: the hash must match the exact text.
call tests.use_headers(json_build_object('x-api-key', upper(tests.key_text('valid'))));
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'the valid key in upper case is refused');
call tests.use_headers(json_build_object('x-api-key', tests.key_text('valid') || ' '));
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'the valid key with a trailing space is refused');
call tests.use_headers(json_build_object('x-api-key', left(tests.key_text('valid'), 12)));
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'the display prefix alone is refused');
call tests.use_headers(
  json_build_object('x-api-key', encode(sha256(convert_to(tests.key_text('valid'), 'UTF8')), 'hex')));
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'the stored hash (hex) of a valid key is not itself a key');

-- Expiry.
call tests.use_key('expired');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'expired key: create_activity refused with invalid_key');
select throws_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$, 'PT401', 'invalid_key',
  'expired key: get_activity refused with invalid_key');
select throws_ok($$ select count(*) from app.activities $$, 'PT401', 'invalid_key',
  'expired key: a direct select on activities is refused');
call tests.use_key('expires now');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'a key whose expires_at is exactly now is already expired');
call tests.use_key('expires tomorrow');
select lives_ok($$ select api.create_activity('call') $$,
  'contrast: a key expiring tomorrow works');

-- Revocation takes effect for the very next statement.
call tests.use_key('to revoke');
select lives_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$,
  'contrast: the key works before it is revoked');
reset role;
do $$ begin perform admin.revoke_api_key(id) from app.api_keys where name = 'to revoke'; end $$;
call tests.use_key('to revoke');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'revoked key: create_activity refused with invalid_key');
select throws_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$, 'PT401', 'invalid_key',
  'revoked key: get_activity refused with invalid_key');
select throws_ok($$ select count(*) from app.contacts $$, '42501', 'permission denied for table contacts',
  'revoked key: a direct select on contacts is refused');
call tests.use_key('valid');
select lives_ok($$ select api.create_activity('call') $$,
  'revoking one key leaves the other keys of the workspace working');

-- With a valid key, anon still cannot touch the key table: hashes stay invisible, and a key
-- cannot un-revoke, extend or mint keys.
select throws_ok($$ select key_hash from app.api_keys $$, '42501', 'permission denied for table api_keys',
  'anon cannot select key hashes');
select throws_ok($$ select count(*) from app.api_keys $$, '42501', 'permission denied for table api_keys',
  'anon cannot even count keys');
select throws_ok(
  $$ insert into app.api_keys (workspace_id, user_id, key_hash, display_prefix, scopes)
     values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000',
             sha256('wbk_mine'), 'wbk_mine', array['activities:read']) $$,
  '42501', 'permission denied for table api_keys',
  'anon cannot insert a key of its own');
select throws_ok($$ update app.api_keys set revoked_at = null, expires_at = null $$,
  '42501', 'permission denied for table api_keys',
  'anon cannot un-revoke or extend keys');
select throws_ok($$ delete from app.api_keys $$, '42501', 'permission denied for table api_keys',
  'anon cannot delete keys');

-- Tenancy tables are not anon's to read or join.
select throws_ok($$ select * from app.workspaces $$, '42501', 'permission denied for table workspaces',
  'anon cannot read workspaces');
select throws_ok($$ select * from app.workspace_members $$, '42501', 'permission denied for table workspace_members',
  'anon cannot read workspace members');
select throws_ok(
  $$ insert into app.workspace_members (workspace_id, user_id)
     values ('a0000000-0000-4000-8000-000000000000', 'f1000000-0000-4000-8000-000000000000') $$,
  '42501', 'permission denied for table workspace_members',
  'anon cannot add a member to a workspace');

-- Operator functions are out of reach.
select throws_ok(
  $$ select admin.create_api_key(array['activities:write'], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000000') $$,
  '42501', null, 'anon cannot execute admin.create_api_key');
select throws_ok($$ select * from admin.list_api_keys() $$, '42501', null,
  'anon cannot execute admin.list_api_keys');
select throws_ok($$ select admin.revoke_api_key('a0000000-0000-4000-8000-000000000000') $$, '42501', null,
  'anon cannot execute admin.revoke_api_key');

-- Every app_private or admin function anon was not granted refuses it before running: called
-- with nulls of its argument types, each must fail with 42501 (a wrongly granted one would run).
reset role;
create view pg_temp.ungranted_calls as
  select format('select %I.%I(%s)', n.nspname, p.proname,
                (select string_agg('null::' || format_type(t, null), ', ' order by i)
                   from unnest(p.proargtypes::oid[]) with ordinality a(t, i))) as call
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('app_private', 'admin') and not has_function_privilege('anon', p.oid, 'execute');
grant select on pg_temp.ungranted_calls to anon;
call tests.use_key('valid');
select isnt_empty($$ select call from pg_temp.ungranted_calls $$,
  'there are app_private/admin functions anon was not granted (so the next check checks something)');
select is_empty(
  $$ select call || '  =>  ' || refusal from (
       select call, tests.refusal(call) as refusal from pg_temp.ungranted_calls) c
      where refusal !~ '^42501 ' $$,
  'anon cannot execute any app_private or admin function it was not granted');

select * from finish();
rollback;
