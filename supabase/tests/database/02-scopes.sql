-- A key does only what its scopes say: activities:read cannot write, activities:write cannot
-- read (neither through api.get_activity nor through a direct select or RETURNING), and the
-- scope check comes before input validation, so a key without the scope learns nothing.
begin;
select plan(19);

-- Activities written by a key, counted as the owner (RLS does not apply to the owner).
create function pg_temp.activities_by(label text) returns bigint language sql as $$
  select count(*) from app.activities a join app.api_keys k on k.id = a.api_key_id where k.name = label
$$;

-- Fixture, as the owner. Ids: first digit = workspace (a), second = kind
-- (0 workspace, 1 user, 2 contact, 4 activity).
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
insert into app.contacts (id, workspace_id, name)
values ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Ann');
insert into app.activities (id, workspace_id, type, title, created_by_user_id)
values ('a4000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'note',
        'Existing note', 'a1000000-0000-4000-8000-000000000000');
do $$ begin
  perform tests.create_key('read only', array['activities:read']);
  perform tests.create_key('write only', array['activities:write']);
  perform tests.create_key('webhooks only', array['webhooks:read', 'webhooks:write']);
  perform tests.create_key('read and write', array['activities:read', 'activities:write']);
end $$;

-- activities:read cannot write.
call tests.use_key('read only');
select throws_ok($$ select api.create_activity('call', 'Hello') $$, 'PT403', 'insufficient_permissions',
  'a read-only key cannot create an activity');
select throws_ok($$ select api.create_activity('') $$, 'PT403', 'insufficient_permissions',
  'a read-only key gets insufficient_permissions before any input validation');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', k.user_id, k.key_id from app_private.request_api_key() k $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'a read-only key cannot insert directly, even with its own workspace, user and key id');
select lives_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$,
  'contrast: a read-only key can get an activity of its workspace');
select is((select count(*) from app.activities), 1::bigint,
  'contrast: a read-only key sees its workspace''s activities in a direct select');

-- activities:write cannot read.
call tests.use_key('write only');
select throws_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$,
  'PT403', 'insufficient_permissions',
  'a write-only key cannot get an activity of its own workspace');
select is((select count(*) from app.activities), 0::bigint,
  'a write-only key sees no activity rows in a direct select');
select lives_ok($$ select api.create_activity('call', 'Written by a write-only key') $$,
  'a write-only key can create an activity (the function uses no RETURNING)');
select is((select count(*) from app.activities where title = 'Written by a write-only key'), 0::bigint,
  'a write-only key cannot read back even the activity it just wrote');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', k.user_id, k.key_id from app_private.request_api_key() k
     returning title $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'a write-only key cannot read rows back through INSERT … RETURNING');
select throws_ok($$ select api.get_activity('ffffffff-0000-4000-8000-000000000000') $$,
  'PT403', 'insufficient_permissions',
  'a write-only key cannot probe whether an activity id exists');

-- Scopes of other resources grant nothing here.
call tests.use_key('webhooks only');
select throws_ok($$ select api.create_activity('call') $$, 'PT403', 'insufficient_permissions',
  'a key with only webhooks scopes cannot create an activity');
select throws_ok($$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$,
  'PT403', 'insufficient_permissions',
  'a key with only webhooks scopes cannot get an activity');
select is((select count(*) from app.activities), 0::bigint,
  'a key with only webhooks scopes sees no activity rows');

-- Both scopes: both operations (contrast).
call tests.use_key('read and write');
select api.create_activity('call', 'Written and read back') -> 'activity' ->> 'id' as created_id \gset
select is(api.get_activity(substr(:'created_id', 5)::uuid) -> 'activity' ->> 'title', 'Written and read back',
  'contrast: a read-and-write key reads back what it wrote');

-- What each key left behind, as the owner.
reset role;
select is(pg_temp.activities_by('read only'), 0::bigint, 'the read-only key wrote nothing');
select is(pg_temp.activities_by('write only'), 1::bigint, 'the write-only key wrote exactly its one activity');
select is(pg_temp.activities_by('webhooks only'), 0::bigint, 'the webhooks-only key wrote nothing');
select is(
  (select created_by_user_id from app.activities a join app.api_keys k on k.id = a.api_key_id
    where k.name = 'write only'),
  'a1000000-0000-4000-8000-000000000000'::uuid,
  'the write-only key''s activity is attributed to the key''s user');

select * from finish();
rollback;
