-- The timeline reads as anon, the way PostgREST runs them: api.list_activities lists only the
-- key's workspace, refuses a key without activities:read, answers another workspace's contact,
-- deal and cursor exactly like missing ones, repeats every check the gateway makes, and runs in
-- a read-only transaction. And what anon may read of activities at all: every column the API
-- shows, never api_key_id (which key wrote an activity).
begin;
select plan(32);

-- Fixture, as the owner (ids as in 03-tenant-isolation: first digit = workspace, second = kind:
-- 0 workspace, 1 user, 2 contact, 3 deal, 4 activity). A has three activities at known times.
call tests.create_workspaces_a_and_b();
insert into app.contacts (id, workspace_id, name) values
  ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Ann'),
  ('a2000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000000', 'Ann without activities'),
  ('b2000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000', 'Bob');
insert into app.deals (id, workspace_id, name) values
  ('a3000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'A''s deal'),
  ('b3000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000', 'B''s deal');
insert into app.activities (id, workspace_id, type, contact_id, deal_id, entity_type, entity_id, created_by_user_id, created_at) values
  ('a4000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000000', 'call',
   'a2000000-0000-4000-8000-000000000000', null, null, null, 'a1000000-0000-4000-8000-000000000000', '2026-04-17 14:00:01Z'),
  ('a4000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000000', 'note',
   null, 'a3000000-0000-4000-8000-000000000000', 'campaign', 'c7000000-0000-4000-8000-000000000000',
   'a1000000-0000-4000-8000-000000000000', '2026-04-17 14:00:02Z'),
  ('a4000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000000', 'call',
   'a2000000-0000-4000-8000-000000000000', 'a3000000-0000-4000-8000-000000000000', null, null,
   'a1000000-0000-4000-8000-000000000000', '2026-04-17 14:00:03Z'),
  ('b4000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000000', 'call',
   'b2000000-0000-4000-8000-000000000000', 'b3000000-0000-4000-8000-000000000000', null, null,
   'b1000000-0000-4000-8000-000000000000', '2026-04-17 14:00:04Z');
do $$ begin
  perform tests.create_key('A reads', array['activities:read']);
  perform tests.create_key('A writes', array['activities:write']);
  perform tests.create_key('A webhooks', array['webhooks:read', 'webhooks:write']);
  perform tests.create_key('B reads', array['activities:read'], 'b0000000-0000-4000-8000-000000000000', 'b1000000-0000-4000-8000-000000000000');
end $$;

-- The ids of a listing, in order.
create function pg_temp.listed(page json) returns text language sql as $$
  select coalesce(string_agg(substr(a ->> 'id', 5, 2) || right(a ->> 'id', 1), ',' order by n), '')
    from json_array_elements(page -> 'activities') with ordinality as e(a, n)
$$;

-- Column privileges: exactly the columns the reads render or filter on.
select set_eq(
  $$ select a.attname::text from pg_attribute a
      where a.attrelid = 'app.activities'::regclass and a.attnum > 0 and not a.attisdropped
        and has_column_privilege('anon', a.attrelid, a.attnum, 'select') $$,
  array['id', 'workspace_id', 'type', 'title', 'description', 'contact_id', 'deal_id', 'entity_type', 'entity_id',
        'entity_name', 'metadata', 'created_by_user_id', 'created_at'],
  'anon may select every column of activities the API shows, and no other');
select is(has_table_privilege('anon', 'app.activities', 'select'), false,
  'anon holds no table-wide select on activities (it would cover columns added later)');

call tests.use_key('A reads');
select throws_ok($$ select api_key_id from app.activities $$, '42501', 'permission denied for table activities',
  'a key with activities:read cannot select api_key_id');
select throws_ok($$ select a from app.activities a $$, '42501', 'permission denied for table activities',
  'nor read whole rows (they include api_key_id)');
select is((select string_agg(type, ',' order by created_at) from app.activities), 'call,note,call',
  'the granted columns of its own workspace''s activities stay readable');
select is(api.get_activity('a4000000-0000-4000-8000-000000000001') -> 'activity' ->> 'type', 'call',
  'api.get_activity still answers without api_key_id');

-- The listing: the key's workspace only, newest first, paged.
select is(pg_temp.listed(api.list_activities()), 'a43,a42,a41', 'A''s key lists A''s activities, newest first, none of B''s');
select is(pg_temp.listed(api.list_activities(contact_id => 'b2000000-0000-4000-8000-000000000000')), '',
  'a filter on B''s contact lists nothing');
select is(pg_temp.listed(api.list_activities(deal_id => 'b3000000-0000-4000-8000-000000000000')), '',
  'a filter on B''s deal lists nothing');
select is(api.list_activities(max_results => 2)::jsonb - 'activities',
  '{"workspace_id": "a0000000-0000-4000-8000-000000000000", "has_more": true, "next_cursor": "act_a4000000-0000-4000-8000-000000000002"}'::jsonb,
  'a page that is not the last says has_more and names its last activity as the cursor');
select is(pg_temp.listed(api.list_activities(max_results => 2, starting_after => 'a4000000-0000-4000-8000-000000000002')), 'a41',
  'the next page starts after the cursor');
select is(pg_temp.listed(api.list_activities(contact_id => 'a2000000-0000-4000-8000-000000000000', timeline_of => 'contact')),
  'a43,a41', 'a contact''s timeline');
select is(pg_temp.listed(api.list_activities(deal_id => 'a3000000-0000-4000-8000-000000000000', timeline_of => 'deal', types => array['note'])),
  'a42', 'a deal''s timeline, filtered by type');
select is(pg_temp.listed(api.list_activities(entity_type => 'campaign', entity_id => 'C7000000-0000-4000-8000-000000000000')),
  'a42', 'entity_id is a UUID in any case, compared with the lower-case text stored');
select is(pg_temp.listed(api.list_activities(contact_id => 'a2000000-0000-4000-8000-000000000001', timeline_of => 'contact')),
  '', 'a contact of the workspace without activities: an empty timeline, not a 404');

-- Another workspace's contact, deal and cursor answer exactly like missing ones.
select is(tests.refusal($$ select api.list_activities(contact_id => 'b2000000-0000-4000-8000-000000000000', timeline_of => 'contact') $$),
  'PT404 contact_not_found (contact_id)', 'B''s contact''s timeline: contact_not_found');
select is(tests.refusal($$ select api.list_activities(contact_id => gen_random_uuid(), timeline_of => 'contact') $$),
  'PT404 contact_not_found (contact_id)', 'a missing contact''s timeline: the same');
select is(tests.refusal($$ select api.list_activities(deal_id => 'b3000000-0000-4000-8000-000000000000', timeline_of => 'deal') $$),
  'PT404 deal_not_found (deal_id)', 'B''s deal''s timeline: deal_not_found');
select is(tests.refusal($$ select api.list_activities(starting_after => 'b4000000-0000-4000-8000-000000000001') $$),
  'PT400 invalid_field (starting_after)', 'B''s activity as a cursor: invalid_field, as an unknown one');
select is(tests.refusal($$ select api.list_activities(types => array['note'], starting_after => 'a4000000-0000-4000-8000-000000000003') $$),
  'PT400 invalid_field (starting_after)', 'a cursor outside the listing''s filters: refused the same way');

-- The gateway's checks, repeated for a caller that reaches the function directly.
select is(
  array[
    tests.refusal($$ select api.list_activities(max_results => 0) $$),
    tests.refusal($$ select api.list_activities(max_results => 101) $$),
    tests.refusal($$ select api.list_activities(max_results => null) $$),
    tests.refusal($$ select api.list_activities(entity_type => 'campaign') $$),
    tests.refusal($$ select api.list_activities(entity_id => 'c7000000-0000-4000-8000-000000000000') $$),
    tests.refusal($$ select api.list_activities(entity_type => 'campaign', entity_id => 'cmp_42') $$),
    tests.refusal($$ select api.list_activities(entity_type => 'no spaces', entity_id => 'c7000000-0000-4000-8000-000000000000') $$),
    tests.refusal($$ select api.list_activities(types => array['phone call']) $$),
    tests.refusal($$ select api.list_activities(types => array[]::text[]) $$),
    tests.refusal($$ select api.list_activities(types => array['call', null]) $$),
    tests.refusal($$ select api.list_activities(types => array_fill('call'::text, array[21])) $$),
    tests.refusal($$ select api.list_activities(timeline_of => 'workspace') $$),
    tests.refusal($$ select api.list_activities(timeline_of => 'contact') $$)
  ],
  array[
    'PT400 invalid_field (limit)', 'PT400 invalid_field (limit)', 'PT400 invalid_field (limit)',
    'PT400 invalid_field (entity_id)', 'PT400 invalid_field (entity_type)', 'PT400 invalid_field (entity_id)',
    'PT400 invalid_field (entity_type)', 'PT400 invalid_field (type)', 'PT400 invalid_field (type)',
    'PT400 invalid_field (type)', 'PT400 invalid_field (type)', 'PT400 invalid_field (timeline_of)',
    'PT400 missing_required_field (contact_id)'
  ],
  'limit, entity, type and timeline checks are made in SQL too, each naming its parameter');

-- The other workspace's key sees only its own.
call tests.use_key('B reads');
select is(pg_temp.listed(api.list_activities()), 'b41', 'B''s key lists B''s activity only');
select is(tests.refusal($$ select api.list_activities(contact_id => 'a2000000-0000-4000-8000-000000000000', timeline_of => 'contact') $$),
  'PT404 contact_not_found (contact_id)', 'and not A''s contact''s timeline');

-- Keys without activities:read, and no key.
call tests.use_key('A writes');
select is(tests.refusal($$ select api.list_activities() $$), 'PT403 insufficient_permissions (no param)',
  'a write-only key cannot list');
select is(count(*), 0::bigint, 'nor select activities directly') from app.activities;
select is(app_private.key_sees_contact('a2000000-0000-4000-8000-000000000000'), false,
  'nor learn through key_sees_contact that its own workspace''s contact exists');
call tests.use_key('A webhooks');
select is(tests.refusal($$ select api.list_activities() $$), 'PT403 insufficient_permissions (no param)',
  'a webhooks key cannot list activities');
call tests.use_headers('{}');
select is(tests.refusal($$ select api.list_activities() $$), 'PT401 invalid_key (no param)', 'no key: invalid_key');
select is(tests.refusal($$ select app_private.key_sees_deal('a3000000-0000-4000-8000-000000000000') $$), 'PT401 invalid_key (no param)',
  'key_sees_deal without a key: invalid_key');
call tests.use_key('A reads');
select is(
  array[app_private.key_sees_contact('a2000000-0000-4000-8000-000000000000'), app_private.key_sees_contact('b2000000-0000-4000-8000-000000000000'),
        app_private.key_sees_deal('a3000000-0000-4000-8000-000000000000'), app_private.key_sees_deal('b3000000-0000-4000-8000-000000000000')],
  array[true, false, true, false],
  'key_sees_contact and key_sees_deal answer for the key''s own workspace only');
select is(
  (select count(*) from pg_proc p where p.oid in ('app_private.key_sees_contact(uuid)'::regprocedure, 'app_private.key_sees_deal(uuid)'::regprocedure)
      and p.prosecdef and p.proconfig = array['search_path=""']),
  2::bigint, 'both are SECURITY DEFINER with an empty search_path (anon holds no privilege on contacts or deals)');

-- Last (a transaction cannot become read-write again): a read runs in a read-only transaction,
-- as PostgREST runs a GET and callRpc runs every GET.
set local transaction_read_only = on;
select is(pg_temp.listed(api.list_activities(max_results => 1)), 'a43', 'the listing runs in a read-only transaction');

select * from finish();
rollback;
