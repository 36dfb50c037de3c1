-- Operators manage keys through admin.* (as service_role): a key is shown once and stored only as
-- its SHA-256 hash, malformed keys and unknown scopes are refused, revocation is permanent, a
-- member removed from a workspace loses their keys, and no other role may call these functions.
begin;
select plan(24);

-- Fixture, as the owner. Ids: first digit = workspace (a or b), second = kind
-- (0 workspace, 1 user; a1…01 and a1…02 are two members of A).
insert into app.workspaces (id, name) values
  ('a0000000-0000-4000-8000-000000000000', 'Workspace A'),
  ('b0000000-0000-4000-8000-000000000000', 'Workspace B');
insert into app.workspace_members (workspace_id, user_id) values
  ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000001'),
  ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000002'),
  ('b0000000-0000-4000-8000-000000000000', 'b1000000-0000-4000-8000-000000000000');

-- Creating keys, as operators do.
set local role service_role;
select admin.create_api_key(array['activities:write', 'activities:read'], 'a0000000-0000-4000-8000-000000000000',
                            'a1000000-0000-4000-8000-000000000001', 'CRM sync') as created \gset
select matches(:'created'::json ->> 'key', '^wbk_[0-9a-f]{64}$',
  'a generated key is wbk_ followed by 64 hex digits (256 bits)');
select is(:'created'::json ->> 'display_prefix', left(:'created'::json ->> 'key', 12),
  'the display prefix is the first 12 characters of the key');
select is(
  (:'created'::jsonb) - 'id' - 'key' - 'display_prefix',
  jsonb_build_object('workspace_id', 'a0000000-0000-4000-8000-000000000000',
                     'user_id', 'a1000000-0000-4000-8000-000000000001',
                     'scopes', array['activities:write', 'activities:read'], 'expires_at', null),
  'create_api_key returns the key''s workspace, user, scopes and expiry');
select isnt(
  admin.create_api_key(array['activities:read'], 'a0000000-0000-4000-8000-000000000000',
                       'a1000000-0000-4000-8000-000000000001') ->> 'key',
  :'created'::json ->> 'key',
  'two generated keys differ');
select admin.create_api_key(array['activities:read'], 'b0000000-0000-4000-8000-000000000000',
                            'b1000000-0000-4000-8000-000000000000', 'B reader') is not null as created_b \gset

-- What is stored, and what listing shows.
reset role;
select is((select key_hash from app.api_keys where id = (:'created'::json ->> 'id')::uuid),
  sha256(convert_to(:'created'::json ->> 'key', 'UTF8')),
  'the stored hash is the SHA-256 of the key');
select is_empty(
  format($$ select from app.api_keys k where strpos(row_to_json(k)::text, %L) > 0 $$,
         substr(:'created'::json ->> 'key', 5)),
  'the plain key is stored nowhere in the key table');
set local role service_role;
select is(
  (select bool_or(to_jsonb(l) ?| array['key_hash', 'key']) from admin.list_api_keys() l), false,
  'list_api_keys shows neither key hashes nor keys');
select set_eq(
  $$ select name from admin.list_api_keys('a0000000-0000-4000-8000-000000000000') $$,
  array['CRM sync', ''],
  'list_api_keys(workspace) lists that workspace''s keys only');

-- The generated key works, end to end.
call tests.use_raw_key(:'created'::json ->> 'key');
select lives_ok($$ select api.create_activity('call') $$, 'the generated key authenticates a request');

-- Refusals.
reset role;
set local role service_role;
select throws_ok(
  $$ select admin.create_api_key(array['activities:delete'], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001') $$,
  '23514', null, 'an unknown scope is refused');
select throws_ok(
  $$ select admin.create_api_key(array[]::text[], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001') $$,
  '23514', null, 'a key without scopes is refused');
select throws_ok(
  $$ select admin.create_api_key(array['activities:read', null], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001') $$,
  '23514', null, 'a null scope is refused');
select throws_ok(
  $$ select admin.create_api_key(array['activities:read'], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001', 'short', null, 'wbk_tooshort') $$,
  '22023', null, 'an explicit key shorter than 32 characters after wbk_ is refused');
select throws_ok(
  $$ select admin.create_api_key(array['activities:read'], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001', 'no prefix', null,
                                 repeat('a', 40)) $$,
  '22023', null, 'an explicit key without the wbk_ prefix is refused');
select throws_ok(
  $$ select admin.create_api_key(array['activities:read'], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001', 'symbols', null,
                                 'wbk_' || repeat('a', 39) || '%') $$,
  '22023', null, 'an explicit key with characters other than letters and digits is refused');
select throws_ok(
  format($$ select admin.create_api_key(array['activities:read'], 'a0000000-0000-4000-8000-000000000000',
                                        'a1000000-0000-4000-8000-000000000002', 'copy', null, %L) $$,
         :'created'::json ->> 'key'),
  '23505', null, 'a key that already exists cannot be created again (for another user)');
select throws_ok(
  $$ select admin.create_api_key(array['activities:read'], null, 'a1000000-0000-4000-8000-000000000001') $$,
  '22023', null, 'a key without a workspace is refused');

-- Revocation.
select throws_ok($$ select admin.revoke_api_key('ffffffff-0000-4000-8000-000000000000') $$,
  'P0002', null, 'revoking an unknown key id is an error, not a silent no-op');
reset role;
update app.api_keys set revoked_at = now() - interval '1 day' where id = (:'created'::json ->> 'id')::uuid;
set local role service_role;
select is(admin.revoke_api_key((:'created'::json ->> 'id')::uuid), now() - interval '1 day',
  'revoking a revoked key keeps its original revocation time');

-- A member removed from the workspace loses every key they held.
select admin.create_api_key(array['activities:write'], 'a0000000-0000-4000-8000-000000000000',
                            'a1000000-0000-4000-8000-000000000002', 'leaver') ->> 'key' as leaver_key \gset
call tests.use_raw_key(:'leaver_key');
select lives_ok($$ select api.create_activity('call') $$, 'contrast: a member''s key works while they are a member');
reset role;
delete from app.workspace_members
 where workspace_id = 'a0000000-0000-4000-8000-000000000000' and user_id = 'a1000000-0000-4000-8000-000000000002';
call tests.use_raw_key(:'leaver_key');
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key',
  'after the member is removed from the workspace, their key is invalid');

-- No role but service_role (and the owner) may manage keys.
reset role;
set local role authenticated;
select throws_ok(
  $$ select admin.create_api_key(array['activities:write'], 'a0000000-0000-4000-8000-000000000000',
                                 'a1000000-0000-4000-8000-000000000001') $$,
  '42501', null, 'authenticated cannot create keys');
select throws_ok($$ select * from admin.list_api_keys() $$, '42501', null, 'authenticated cannot list keys');
select throws_ok($$ select key_hash from app.api_keys $$, '42501', null, 'authenticated cannot read key hashes');

select * from finish();
rollback;
