-- The path that must work, for contrast with the refusals: api.create_activity with a valid
-- activities:write key returns the documented activity, stores it in the key's workspace in the
-- name of the key's user, and records when the key was used.
begin;
select plan(24);

-- Fixture, as the owner. Ids: first digit = workspace (a), second = kind
-- (0 workspace, 1 user, 2 contact, 3 deal).
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
insert into app.contacts (id, workspace_id, name)
values ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Jane');
insert into app.deals (id, workspace_id, name)
values ('a3000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Q2 outsourcing');
select tests.create_key('integration', array['activities:read', 'activities:write']) as key_id \gset

select is((select last_used_at from app.api_keys where id = :'key_id'), null,
  'a new key has never been used');

-- The documented example request.
call tests.use_key('integration');
select api.create_activity(
  type => 'call',
  title => 'Discovery call with Jane',
  description => 'Discussed Q2 outsourcing plans; next step is proposal.',
  contact_id => 'a2000000-0000-4000-8000-000000000000',
  deal_id => 'a3000000-0000-4000-8000-000000000000',
  metadata => '{"duration_minutes":32,"direction":"outbound"}'
) as created \gset

select matches(:'created'::json -> 'activity' ->> 'id',
  '^act_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
  'the id is act_ followed by a v4 UUID');
select is((:'created'::json -> 'activity' ->> 'created_by_user_id')::uuid, 'a1000000-0000-4000-8000-000000000000'::uuid,
  'created_by_user_id is the user who owns the key');
select is((:'created'::json ->> 'workspace_id')::uuid, 'a0000000-0000-4000-8000-000000000000'::uuid,
  'the result names the key''s workspace');
select is(
  array(select json_object_keys(:'created'::json -> 'activity')),
  array['id', 'type', 'title', 'description', 'contact_id', 'deal_id', 'entity_type', 'entity_id',
        'entity_name', 'metadata', 'created_by_user_id', 'created_date'],
  'the activity has exactly the documented fields, in the documented order');
select is(
  (:'created'::jsonb -> 'activity') - 'id' - 'created_date',
  jsonb_build_object(
    'type', 'call', 'title', 'Discovery call with Jane',
    'description', 'Discussed Q2 outsourcing plans; next step is proposal.',
    'contact_id', 'a2000000-0000-4000-8000-000000000000', 'deal_id', 'a3000000-0000-4000-8000-000000000000',
    'entity_type', null, 'entity_id', null, 'entity_name', null,
    'metadata', jsonb_build_object('duration_minutes', 32, 'direction', 'outbound'),
    'created_by_user_id', 'a1000000-0000-4000-8000-000000000000'),
  'every field comes back as sent, omitted optional fields as null');
select matches(:'created'::json -> 'activity' ->> 'created_date', '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$',
  'created_date is UTC ISO 8601 to the second');
select is(:'created'::json -> 'activity' ->> 'created_date',
  to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  'created_date is the time of the request');
select is(
  (api.get_activity(substr(:'created'::json -> 'activity' ->> 'id', 5)::uuid) -> 'activity')::jsonb,
  (:'created'::json -> 'activity')::jsonb,
  'get_activity returns the same activity that create_activity returned');

-- The stored row, as the owner.
reset role;
select is(
  (select row(workspace_id, created_by_user_id, api_key_id, contact_id, deal_id, type)::text
     from app.activities where 'act_' || id = :'created'::json -> 'activity' ->> 'id'),
  row('a0000000-0000-4000-8000-000000000000'::uuid, 'a1000000-0000-4000-8000-000000000000'::uuid,
      :'key_id'::uuid, 'a2000000-0000-4000-8000-000000000000'::uuid,
      'a3000000-0000-4000-8000-000000000000'::uuid, 'call')::text,
  'the row is stored in the key''s workspace, in its user''s and key''s name, with its contact and deal');
select is((select count(*) from app.activities), 1::bigint, 'exactly one row was written');
select is((select last_used_at from app.api_keys where id = :'key_id'), now(),
  'the key''s last_used_at is set to the time of the request');
select is((select last_used_at from admin.list_api_keys('a0000000-0000-4000-8000-000000000000')), now(),
  'and admin.list_api_keys shows it');

-- A minimal request: only the type.
call tests.use_key('integration');
select api.create_activity('note') -> 'activity' as minimal \gset
select is(
  (:'minimal'::jsonb) - 'id' - 'created_date' - 'created_by_user_id',
  jsonb_build_object('type', 'note', 'title', null, 'description', null, 'contact_id', null,
                     'deal_id', null, 'entity_type', null, 'entity_id', null, 'entity_name', null,
                     'metadata', null),
  'with only a type, every optional field is null');

-- Custom types, entity references and metadata edge cases are accepted.
select is(api.create_activity('ai_action') -> 'activity' ->> 'type', 'ai_action', 'a documented type is accepted');
select is(api.create_activity('crm.custom:Type-2') -> 'activity' ->> 'type', 'crm.custom:Type-2',
  'a custom type with letters, digits, ".", ":", "-" is accepted');
select is(
  (api.create_activity('email_sent', entity_type => 'campaign', entity_id => '7C9E6679-7425-40DE-944B-E07FC1F90AE7',
                       entity_name => 'Spring launch') -> 'activity')::jsonb
    - 'id' - 'created_date' - 'created_by_user_id' - 'type' - 'title' - 'description'
    - 'contact_id' - 'deal_id' - 'metadata',
  '{"entity_type": "campaign", "entity_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "entity_name": "Spring launch"}'::jsonb,
  'an entity reference comes back as sent');
select is(json_typeof(api.create_activity('note', metadata => 'null') -> 'activity' -> 'metadata'), 'null',
  'metadata given as JSON null comes back as null');
select is((api.create_activity('note', metadata => '{}') -> 'activity' -> 'metadata')::jsonb, '{}'::jsonb,
  'an empty metadata object is kept');
select is(
  (api.create_activity('note', metadata => '{"attendees":[{"email":"jane@example.com"}],"nested":{"a":{"b":[1,2.5,true,null]}}}')
    -> 'activity' -> 'metadata')::jsonb,
  '{"attendees":[{"email":"jane@example.com"}],"nested":{"a":{"b":[1,2.5,true,null]}}}'::jsonb,
  'nested metadata comes back as sent');
select is(api.create_activity('note', title => 'Ünïcödé ✓ 日本語 😀') -> 'activity' ->> 'title', 'Ünïcödé ✓ 日本語 😀',
  'a Unicode title comes back unchanged');

-- last_used_at is recorded at most once a minute, so a busy key does not rewrite its row per request.
reset role;
update app.api_keys set last_used_at = now() - interval '30 seconds' where id = :'key_id';
call tests.use_key('integration');
select api.create_activity('note') is not null as ok \gset
reset role;
select is((select last_used_at from app.api_keys where id = :'key_id'), now() - interval '30 seconds',
  'a key used 30 seconds ago is not updated again');
update app.api_keys set last_used_at = now() - interval '2 minutes' where id = :'key_id';
call tests.use_key('integration');
select api.create_activity('note') is not null as ok \gset
reset role;
select is((select last_used_at from app.api_keys where id = :'key_id'), now(),
  'a key last used 2 minutes ago is updated');

-- A read in a read-only transaction (how PostgREST runs GET) works: the use is simply not recorded.
set transaction read only;
call tests.use_key('integration');
select lives_ok(
  format('select api.get_activity(%L)', substr(:'created'::json -> 'activity' ->> 'id', 5)),
  'get_activity works in a read-only transaction');

select * from finish();
rollback;
