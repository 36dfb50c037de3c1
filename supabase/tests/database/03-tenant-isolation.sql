-- A key acts inside its own workspace only. Another workspace's contacts, deals and activities
-- are invisible (a reference to them is "not found", exactly as for an id that does not exist),
-- a direct write into another workspace or in another user's or key's name is refused by RLS,
-- and the composite foreign keys refuse a cross-workspace reference even from the owner.
begin;
select plan(35);

-- Fixture, as the owner: two workspaces with the same kinds of rows. Ids: first digit =
-- workspace (a or b; "ab" = a user who belongs to both), second = kind
-- (0 workspace, 1 user, 2 contact, 3 deal, 4 activity).
call tests.create_workspaces_a_and_b();
insert into app.workspace_members (workspace_id, user_id) values
  ('a0000000-0000-4000-8000-000000000000', 'ab100000-0000-4000-8000-000000000000'),
  ('b0000000-0000-4000-8000-000000000000', 'ab100000-0000-4000-8000-000000000000');
insert into app.contacts (id, workspace_id, name, email) values
  ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'Ann', 'ann@a.example'),
  ('b2000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000', 'Bob', 'bob@b.example');
insert into app.deals (id, workspace_id, name) values
  ('a3000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'A''s deal'),
  ('b3000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000', 'B''s deal');
insert into app.activities (id, workspace_id, type, title, contact_id, deal_id, created_by_user_id) values
  ('a4000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'note', 'A''s note',
   'a2000000-0000-4000-8000-000000000000', 'a3000000-0000-4000-8000-000000000000',
   'a1000000-0000-4000-8000-000000000000'),
  ('b4000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000', 'note', 'B''s secret note',
   'b2000000-0000-4000-8000-000000000000', 'b3000000-0000-4000-8000-000000000000',
   'b1000000-0000-4000-8000-000000000000');
do $$ begin
  perform tests.create_key('A', array['activities:read', 'activities:write'], 'a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
  perform tests.create_key('A second', array['activities:read', 'activities:write'], 'a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
  perform tests.create_key('B', array['activities:read', 'activities:write'], 'b0000000-0000-4000-8000-000000000000', 'b1000000-0000-4000-8000-000000000000');
  perform tests.create_key('shared user, in A', array['activities:read', 'activities:write'], 'a0000000-0000-4000-8000-000000000000', 'ab100000-0000-4000-8000-000000000000');
end $$;
-- A known id for A's second key (kind 5 = key), so a test can try to write in its name.
update app.api_keys set id = 'a5000000-0000-4000-8000-000000000002' where name = 'A second';

-- References to B's rows through the API, with A's key. The composite foreign keys refuse them
-- exactly like ids that exist nowhere (the gateway answers 404 contact_not_found/deal_not_found).
call tests.use_key('A');
select throws_ok(
  $$ select api.create_activity('call', contact_id => 'b2000000-0000-4000-8000-000000000000') $$,
  '23503', 'insert or update on table "activities" violates foreign key constraint "activities_contact_fkey"',
  'A''s key cannot attach an activity to B''s contact');
select throws_ok(
  $$ select api.create_activity('call', deal_id => 'b3000000-0000-4000-8000-000000000000') $$,
  '23503', 'insert or update on table "activities" violates foreign key constraint "activities_deal_fkey"',
  'A''s key cannot attach an activity to B''s deal');
select throws_ok(
  $$ select api.create_activity('call', contact_id => 'a2000000-0000-4000-8000-000000000000',
                                deal_id => 'b3000000-0000-4000-8000-000000000000') $$,
  '23503', 'insert or update on table "activities" violates foreign key constraint "activities_deal_fkey"',
  'A''s own contact does not carry B''s deal through');
select throws_ok(
  $$ select api.create_activity('call', contact_id => 'ffffffff-0000-4000-8000-000000000000') $$,
  '23503', 'insert or update on table "activities" violates foreign key constraint "activities_contact_fkey"',
  'a contact that exists nowhere gets the same answer as B''s contact');
select throws_ok(
  $$ select api.get_activity('b4000000-0000-4000-8000-000000000000') $$,
  'PT404', 'activity_not_found', 'A''s key cannot get B''s activity');
select throws_ok(
  $$ select api.get_activity('ffffffff-0000-4000-8000-000000000000') $$,
  'PT404', 'activity_not_found', 'an activity that exists nowhere gets the same answer as B''s activity');
select lives_ok(
  $$ select api.create_activity('call', contact_id => 'a2000000-0000-4000-8000-000000000000',
                                deal_id => 'a3000000-0000-4000-8000-000000000000') $$,
  'contrast: A''s key can attach an activity to A''s own contact and deal');

-- Direct selects with A's key see only A's activities, and no contact or deal at all.
select throws_ok($$ select count(*) from app.contacts $$, '42501', 'permission denied for table contacts',
  'a key cannot read contacts, not even of its own workspace');
select throws_ok($$ select count(*) from app.deals $$, '42501', 'permission denied for table deals',
  'a key cannot read deals, not even of its own workspace');
select is((select count(*) from app.activities where id = 'b4000000-0000-4000-8000-000000000000'), 0::bigint,
  'A''s key cannot see B''s activity by id');
select is((select count(*) from app.activities where workspace_id = 'b0000000-0000-4000-8000-000000000000'), 0::bigint,
  'A''s key cannot see any activity of workspace B');
select set_eq($$ select distinct workspace_id from app.activities $$,
  array['a0000000-0000-4000-8000-000000000000'::uuid],
  'every activity A''s key can see belongs to A');

-- Direct inserts with A's key: the row must be A's, by A's key's user, through A's key.
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select 'b0000000-0000-4000-8000-000000000000', 'call', k.user_id, k.key_id
       from app_private.request_api_key() k $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'A''s key cannot insert an activity into workspace B');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select 'b0000000-0000-4000-8000-000000000000', 'call', 'b1000000-0000-4000-8000-000000000000', k.key_id
       from app_private.request_api_key() k $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'A''s key cannot insert into B even in the name of B''s user');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', 'ab100000-0000-4000-8000-000000000000', k.key_id
       from app_private.request_api_key() k $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'A''s key cannot attribute an activity to another member of A');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', k.user_id, (select id from app.api_keys limit 1)
       from app_private.request_api_key() k $$,
  '42501', 'permission denied for table api_keys',
  'A''s key cannot even look up another key''s id to write in its name');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', k.user_id, 'a5000000-0000-4000-8000-000000000002'
       from app_private.request_api_key() k $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'A''s key cannot write in the name of A''s second key');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', k.user_id, null from app_private.request_api_key() k $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'A''s key cannot write an activity without its key id');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id, contact_id)
     select k.workspace_id, 'call', k.user_id, k.key_id, 'b2000000-0000-4000-8000-000000000000'
       from app_private.request_api_key() k $$,
  '23503', null,
  'a direct insert into A that references B''s contact is refused by the composite foreign key');
select lives_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     select k.workspace_id, 'call', k.user_id, k.key_id from app_private.request_api_key() k $$,
  'contrast: a direct insert of A''s own row, in its user''s and key''s name, passes RLS');

-- No changing or removing rows at all.
select throws_ok(
  $$ update app.activities set workspace_id = 'b0000000-0000-4000-8000-000000000000' $$,
  '42501', 'permission denied for table activities', 'a key cannot move activities between workspaces');
select throws_ok($$ delete from app.activities $$, '42501', 'permission denied for table activities',
  'a key cannot delete activities');
select throws_ok(
  $$ insert into app.contacts (workspace_id, name) values ('a0000000-0000-4000-8000-000000000000', 'Eve') $$,
  '42501', 'permission denied for table contacts', 'a key cannot create contacts');
select throws_ok($$ delete from app.contacts $$, '42501', 'permission denied for table contacts',
  'a key cannot delete contacts');
select throws_ok($$ update app.deals set workspace_id = 'a0000000-0000-4000-8000-000000000000' $$,
  '42501', 'permission denied for table deals', 'a key cannot move deals');

-- A user who belongs to both workspaces: the key, not the user, decides the workspace.
call tests.use_key('shared user, in A');
select throws_ok(
  $$ select api.create_activity('call', contact_id => 'b2000000-0000-4000-8000-000000000000') $$,
  '23503', 'insert or update on table "activities" violates foreign key constraint "activities_contact_fkey"',
  'a member of A and B using an A key cannot reach B''s contact');
select throws_ok(
  $$ select api.get_activity('b4000000-0000-4000-8000-000000000000') $$,
  'PT404', 'activity_not_found', 'a member of A and B using an A key cannot get B''s activity');

-- Contrast: B's own key sees B's rows.
call tests.use_key('B');
select is(api.get_activity('b4000000-0000-4000-8000-000000000000') -> 'activity' ->> 'title', 'B''s secret note',
  'contrast: B''s key gets B''s activity');
select throws_ok(
  $$ select api.get_activity('a4000000-0000-4000-8000-000000000000') $$,
  'PT404', 'activity_not_found', 'and B''s key cannot get A''s activity');

-- The composite foreign keys hold even for the owner, who bypasses RLS.
reset role;
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, contact_id)
     values ('a0000000-0000-4000-8000-000000000000', 'call', 'a1000000-0000-4000-8000-000000000000',
             'b2000000-0000-4000-8000-000000000000') $$,
  '23503', null, 'the owner cannot insert an activity of A that references B''s contact');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, deal_id)
     values ('a0000000-0000-4000-8000-000000000000', 'call', 'a1000000-0000-4000-8000-000000000000',
             'b3000000-0000-4000-8000-000000000000') $$,
  '23503', null, 'the owner cannot insert an activity of A that references B''s deal');
select throws_ok(
  $$ update app.activities set workspace_id = 'a0000000-0000-4000-8000-000000000000'
      where id = 'b4000000-0000-4000-8000-000000000000' $$,
  '23503', null, 'the owner cannot move B''s activity into A while it still points at B''s contact and deal');
select throws_ok(
  $$ update app.contacts set workspace_id = 'a0000000-0000-4000-8000-000000000000'
      where id = 'b2000000-0000-4000-8000-000000000000' $$,
  '23503', null, 'the owner cannot move B''s contact into A while B''s activities point at it');

-- Nothing A's key did touched B.
select results_eq(
  $$ select id from app.activities where workspace_id = 'b0000000-0000-4000-8000-000000000000' $$,
  array['b4000000-0000-4000-8000-000000000000'::uuid],
  'workspace B still holds exactly its own activity');
select is(
  (select count(*) from app.activities where workspace_id = 'a0000000-0000-4000-8000-000000000000'),
  3::bigint, 'workspace A holds its fixture activity and the two written through A''s key');

select * from finish();
rollback;
