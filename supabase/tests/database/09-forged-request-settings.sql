-- Anyone who can run SQL as anon can also call set_config on any setting, not only on the
-- ones PostgREST sets. The only setting the database trusts is the raw key in request.headers,
-- which it hashes and looks up on every statement: forged claims, forged ids under names that
-- look like a cached key context or a forged last-use stamp do not let a key write into
-- another workspace, and do not change where api.create_activity writes.
begin;
select plan(8);

-- Fixture, as the owner: workspace A with a write-only key, workspace B with a member.
call tests.create_workspaces_a_and_b();
select tests.create_key('a', array['activities:write']) as key_a \gset
select tests.create_key('b', array['activities:write'], 'b0000000-0000-4000-8000-000000000000',
                        'b1000000-0000-4000-8000-000000000000') as key_b \gset

-- As anon with key A, every other setting forged to point at workspace B.
select set_config('role', 'anon', true),
       set_config('request.headers', json_build_object('x-api-key', tests.key_text('a'))::text, true),
       set_config('request.jwt.claims', '{"role":"service_role","sub":"b1000000-0000-4000-8000-000000000000"}', true),
       set_config('request.jwt.claim.sub', 'b1000000-0000-4000-8000-000000000000', true),
       set_config('request.api_key', json_build_object('key_id', :'key_b', 'workspace_id', 'b0000000-0000-4000-8000-000000000000',
                                                       'user_id', 'b1000000-0000-4000-8000-000000000000')::text, true),
       set_config('app.workspace_id', 'b0000000-0000-4000-8000-000000000000', true),
       set_config('app.api_key_id', :'key_b', true);

select throws_ok(
  format($$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
            values ('b0000000-0000-4000-8000-000000000000', 'call', 'b1000000-0000-4000-8000-000000000000', %L) $$, :'key_b'),
  '42501', 'new row violates row-level security policy for table "activities"',
  'forged claims and key-context settings do not let key A insert into workspace B in B''s name');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, api_key_id)
     values ('b0000000-0000-4000-8000-000000000000', 'call', 'a1000000-0000-4000-8000-000000000000', null) $$,
  '42501', 'new row violates row-level security policy for table "activities"',
  'nor into workspace B in its own user''s name');
select is(current_user::text, 'anon', 'a forged role claim does not change the role');

select lives_ok($$ select api.create_activity('call', 'Written with forged settings') $$,
  'key A still writes through api.create_activity');
-- A forged key in the header instead: any text that is not a live key is refused.
select set_config('request.headers', json_build_object('x-api-key', 'wbk_' || repeat('0', 64))::text, true);
select throws_ok($$ select api.create_activity('call') $$, 'PT401', 'invalid_key', 'a made-up key is refused');
reset role;

select results_eq(
  $$ select workspace_id::text, created_by_user_id::text, api_key_id::text from app.activities
      where title = 'Written with forged settings' $$,
  format($$ values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000', %L) $$, :'key_a'),
  'the activity landed in workspace A, in key A''s user''s name, attributed to key A');
select is((select count(*) from app.activities where workspace_id = 'b0000000-0000-4000-8000-000000000000'), 0::bigint,
  'nothing was written into workspace B');

-- A stale last-use stamp cannot be forged either: anon holds no privilege on api_keys.
set local role anon;
select throws_ok($$ update app.api_keys set last_used_at = now() - interval '1 day' $$, '42501',
  'permission denied for table api_keys', 'anon cannot touch a key''s last_used_at');
reset role;

select * from finish();
rollback;
