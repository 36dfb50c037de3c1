-- Changing and deleting activities (issue 10), refusals first: a key changes, deletes and
-- batch-writes only in its own workspace, with activities:write; the two SECURITY DEFINER steps
-- a write-only key needs (PostgreSQL applies SELECT policies to an UPDATE's or DELETE's WHERE)
-- take the workspace from the key, never from an argument, and show nothing to a key that may
-- not read; anon still may not update or delete a row directly. Then the events: activity.updated
-- with the old values of exactly what changed (none for a change of nothing), activity.deleted
-- with the activity as it was, one activity.created per batch item.
begin;
select plan(42);

-- Fixture, as the owner. Ids: first digit = workspace (a or b), second = kind (0 workspace,
-- 1 user, 2 contact, 3 deal, 4 activity).
call tests.create_workspaces_a_and_b();
insert into app.contacts (id, workspace_id, name) values
  ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Ann'),
  ('b2000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000', 'Bob');
insert into app.activities (id, workspace_id, type, title, metadata, created_by_user_id) values
  ('a4000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000000', 'note', 'A''s note', '{"a":1}',
   'a1000000-0000-4000-8000-000000000000'),
  ('a4000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000000', 'note', 'A''s other note', null,
   'a1000000-0000-4000-8000-000000000000'),
  ('b4000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000000', 'note', 'B''s secret note', null,
   'b1000000-0000-4000-8000-000000000000');
insert into app.webhook_endpoints (workspace_id, url, events) values
  ('a0000000-0000-4000-8000-000000000000', 'https://hooks.example.com/all', array['*']),
  ('a0000000-0000-4000-8000-000000000000', 'https://hooks.example.com/changes', array['activity.updated', 'activity.deleted']),
  ('b0000000-0000-4000-8000-000000000000', 'https://hooks.example.com/b', array['*']);
do $$ begin
  perform tests.create_key('A', array['activities:read', 'activities:write']);
  perform tests.create_key('A write only', array['activities:write']);
  perform tests.create_key('A read only', array['activities:read']);
  perform tests.create_key('A webhooks', array['webhooks:write']);
  perform tests.create_key('B', array['activities:read', 'activities:write'],
                          'b0000000-0000-4000-8000-000000000000', 'b1000000-0000-4000-8000-000000000000');
end $$;

create function pg_temp.snapshot() returns text language sql as $$
  select string_agg(a::text, ',' order by a.id) from app.activities a
$$;
select pg_temp.snapshot() as before \gset

-- Direct writes stay impossible for anon: no UPDATE or DELETE privilege at all.
call tests.use_key('A');
select throws_ok($$ update app.activities set title = 'x' $$, '42501', 'permission denied for table activities',
  'anon cannot UPDATE activities directly, even with activities:write');
select throws_ok($$ delete from app.activities $$, '42501', 'permission denied for table activities',
  'anon cannot DELETE activities directly, even with activities:write');

-- Another workspace's activity: the same 404 as a missing one, through the API and the helpers.
select is(tests.refusal($$ select api.update_activity('b4000000-0000-4000-8000-000000000001', '{"title":"mine now"}') $$),
  'PT404 activity_not_found (id)', 'A cannot update B''s activity: activity_not_found');
select is(tests.refusal($$ select api.delete_activity('b4000000-0000-4000-8000-000000000001') $$),
  'PT404 activity_not_found (id)', 'A cannot delete B''s activity: activity_not_found');
select is(tests.refusal($$ select api.update_activity('ffffffff-0000-4000-8000-000000000000', '{"title":"x"}') $$),
  'PT404 activity_not_found (id)', 'an unknown id: the same activity_not_found');
select is(tests.refusal($$ select app_private.change_activity_row('b4000000-0000-4000-8000-000000000001', '{"title":"x"}') $$),
  'PT404 activity_not_found (id)', 'calling the change helper directly cannot reach B either');
select is(app_private.delete_activity_row('b4000000-0000-4000-8000-000000000001'), false,
  'calling the delete helper directly cannot reach B either');
select is(tests.refusal($$ select api.create_activities('[{"type":"note"},{"type":"note","contact_id":"b2000000-0000-4000-8000-000000000000"}]') $$),
  'PT404 contact_not_found (activities[1].contact_id)', 'a batch cannot reference B''s contact; the item is named');
select is(tests.refusal($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{"contact_id":"b2000000-0000-4000-8000-000000000000"}') $$),
  '23503 insert or update on table "activities" violates foreign key constraint "activities_contact_fkey" (no param)',
  'an update cannot point A''s activity at B''s contact (the composite foreign key; the gateway answers contact_not_found)');

-- Scopes.
call tests.use_key('A read only');
select is(tests.refusal($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{"title":"x"}') $$),
  'PT403 insufficient_permissions (no param)', 'a read-only key cannot update');
select is(tests.refusal($$ select api.delete_activity('a4000000-0000-4000-8000-000000000001') $$),
  'PT403 insufficient_permissions (no param)', 'a read-only key cannot delete');
select is(tests.refusal($$ select api.create_activities('[{"type":"note"}]') $$),
  'PT403 insufficient_permissions (no param)', 'a read-only key cannot batch-create');
select is(tests.refusal($$ select app_private.change_activity_row('a4000000-0000-4000-8000-000000000001', '{"title":"x"}') $$),
  'PT404 activity_not_found (id)', 'nor change through the helper directly');
select is(app_private.delete_activity_row('a4000000-0000-4000-8000-000000000001'), false,
  'nor delete through the helper directly');
call tests.use_key('A webhooks');
select is(tests.refusal($$ select api.delete_activity('a4000000-0000-4000-8000-000000000001') $$),
  'PT403 insufficient_permissions (no param)', 'webhooks scopes grant nothing on activities');
call tests.use_headers('{}');
select is(tests.refusal($$ select app_private.change_activity_row('a4000000-0000-4000-8000-000000000001', '{"title":"x"}') $$),
  'PT401 invalid_key (no param)', 'the change helper without a key: invalid_key');
select is(tests.refusal($$ select app_private.delete_activity_row('a4000000-0000-4000-8000-000000000001') $$),
  'PT401 invalid_key (no param)', 'the delete helper without a key: invalid_key');

-- Nothing above changed anything.
reset role;
select is(pg_temp.snapshot(), :'before', 'no refused call changed an activity');
select is((select count(*) from app.webhook_events), 0::bigint, 'no refused call queued an event');

-- Input checks, in the database too (PostgREST exposes api.* to anyone with the anon key).
call tests.use_key('A');
select is(tests.refusal($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{}') $$),
  'PT400 invalid_field (no param)', 'an empty change: invalid_field');
select is(tests.refusal($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{"type":null}') $$),
  'PT400 missing_required_field (type)', 'type cannot be cleared');
select is(tests.refusal($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{"contact_id":"a2000000"}') $$),
  'PT400 invalid_field (contact_id)', 'a contact_id that is not a UUID: invalid_field');
select is(tests.refusal($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{"api_key_id":null}') $$),
  'PT400 invalid_field (api_key_id)', 'a column the API does not show cannot be changed');
select is(tests.refusal(format($$ select api.create_activities('[{"type":"a"},{"type":"b","metadata":{"n":"%s"}}]') $$, repeat('x', 8200))),
  'PT400 metadata_too_large (activities[1].metadata)', 'a batch item''s metadata over 8 KB is named with its index');
select is(tests.refusal($$ select api.create_activities('[{"type":"note"},"note"]') $$),
  'PT400 invalid_field (activities[1])', 'a batch item that is not an object is named');
select is(tests.refusal($$ select api.create_activities('[{"type":"note"},{"type":"note","owner":"x"}]') $$),
  'PT400 invalid_field (activities[1].owner)', 'a batch item''s unknown field is named');
select is(tests.refusal($$ select api.create_activities('[{"type":"note"},{"type":"note","contact_id":"a2"}]') $$),
  'PT400 invalid_field (activities[1].contact_id)', 'a batch item''s contact_id that is not a UUID is named');
select is(tests.refusal(format($$ select api.create_activities(%L) $$, (select json_agg(json_build_object('type', 'note')) from generate_series(1, 101)))),
  'PT400 invalid_field (activities)', '101 items: invalid_field activities');

-- A write-only key: changes and deletes in its workspace, and is shown nothing.
reset role;
select pg_temp.snapshot() as before \gset
call tests.use_key('A write only');
select is(api.update_activity('a4000000-0000-4000-8000-000000000001', '{"title":"Fixed"}')::jsonb,
  '{"workspace_id":"a0000000-0000-4000-8000-000000000000","activity":null}'::jsonb,
  'a write-only key updates, and the result shows it no activity');
select is(app_private.change_activity_row('a4000000-0000-4000-8000-000000000001', '{}')::text, null,
  'nor can it read an activity through the helper with a change of nothing');
select is(api.delete_activity('a4000000-0000-4000-8000-000000000002')::jsonb,
  '{"workspace_id":"a0000000-0000-4000-8000-000000000000"}'::jsonb, 'a write-only key deletes');
reset role;
select is((select title from app.activities where id = 'a4000000-0000-4000-8000-000000000001'), 'Fixed',
  'the write-only key''s change is stored');
select is((select count(*) from app.activities where id = 'a4000000-0000-4000-8000-000000000002'), 0::bigint,
  'the deleted activity is gone (a hard delete)');

-- Events: exactly what changed, nothing for a change of nothing, the deleted activity as it was.
select is(
  (select array_agg(type order by type) from app.webhook_events where workspace_id = 'a0000000-0000-4000-8000-000000000000'),
  array['activity.deleted', 'activity.updated'], 'one activity.updated and one activity.deleted were queued');
select is(
  (select payload::json -> 'data' -> 'previous_attributes' from app.webhook_events where type = 'activity.updated')::jsonb,
  '{"title":"A''s note"}'::jsonb, 'previous_attributes holds the old value of exactly the changed field');
select is(
  (select payload::json -> 'data' -> 'activity' ->> 'title' from app.webhook_events where type = 'activity.deleted'),
  'A''s other note', 'activity.deleted carries the activity as it was');
select is((select count(*) from app.webhook_deliveries where workspace_id = 'a0000000-0000-4000-8000-000000000000'), 4::bigint,
  'each event goes to both subscribed endpoints (* and the one subscribed to updated/deleted)');
call tests.use_key('A');
select lives_ok($$ select api.update_activity('a4000000-0000-4000-8000-000000000001', '{"title":"Fixed","type":"note","metadata":{"a":1}}') $$,
  'an update to the same values is accepted');
reset role;
select is((select count(*) from app.webhook_events), 2::bigint, 'and queues nothing');

-- A batch: rows in the key's workspace and name, one activity.created each.
call tests.use_key('A');
select api.create_activities('[{"type":"call","contact_id":"a2000000-0000-4000-8000-000000000000"},{"type":"note"}]') as batch \gset
reset role;
select is((select count(*) from app.activities a
            where a.workspace_id = 'a0000000-0000-4000-8000-000000000000' and a.created_by_user_id = 'a1000000-0000-4000-8000-000000000000'
              and 'act_' || a.id in (select x ->> 'id' from json_array_elements(:'batch'::json -> 'activities') x)), 2::bigint,
  'the batch''s rows are in the key''s workspace, in its user''s name');
select is((select count(*) from app.webhook_events where type = 'activity.created'), 2::bigint,
  'one activity.created per batch item (the endpoint subscribed to updated/deleted only gets none)');
select is((select count(*) from app.webhook_deliveries d join app.webhook_events e on e.id = d.event_id where e.type = 'activity.created'), 2::bigint,
  'activity.created goes only to the * endpoint');

select * from finish();
rollback;
