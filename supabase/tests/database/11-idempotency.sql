-- Idempotency keys (20261202140500): the table is out of anon's reach; the helpers scope every key
-- to the request key's workspace, replay only the same request, refuse another request under the
-- key, keep a key 24 hours and purge expired ones as they store; the api functions that create
-- something replay instead of writing again.
begin;
select plan(37);

-- Fixture, as the owner: workspace A (a key that writes activities and webhooks, one that reads
-- only), workspace B with a key.
call tests.create_workspaces_a_and_b();
do $$ begin
  perform tests.create_key('a', array['activities:write', 'webhooks:write']);
  perform tests.create_key('b', array['activities:write'], 'b0000000-0000-4000-8000-000000000000',
                           'b1000000-0000-4000-8000-000000000000');
end $$;
-- As anon with a test key and an Idempotency-Key, as PostgREST passes both.
create procedure pg_temp.use_key_with(label text, idempotency_key text) language plpgsql as $$
begin
  call tests.use_headers(json_build_object('x-api-key', tests.key_text(label), 'idempotency-key', idempotency_key));
end
$$;
grant execute on procedure pg_temp.use_key_with(text, text) to anon;

-- The table: nothing for anon, deny-all under RLS.
select is(has_table_privilege('anon', 'app.idempotency_keys', 'select, insert, update, delete, truncate, references, trigger'),
  false, 'anon holds no privilege on app.idempotency_keys');
select is(has_any_column_privilege('anon', 'app.idempotency_keys', 'select, insert, update, references'),
  false, 'nor on any of its columns');
select is((select relrowsecurity from pg_class where oid = 'app.idempotency_keys'::regclass), true,
  'row-level security is on');
select is_empty($$ select policyname from pg_policies where schemaname = 'app' and tablename = 'idempotency_keys' $$,
  'and no policy admits anyone');
call pg_temp.use_key_with('a', 'k1');
select throws_ok($$ select * from app.idempotency_keys $$, '42501', null, 'anon with a valid key cannot read the table');
select throws_ok($$ insert into app.idempotency_keys (workspace_id, key, fingerprint, response)
                    values ('b0000000-0000-4000-8000-000000000000', 'k1', sha256(''), '{}') $$,
  '42501', null, 'nor write into it');
select throws_ok($$ select app_private.purge_idempotency_keys() $$, '42501', null,
  'nor run the purge (the owner''s, and the helpers'')');

-- The header.
call tests.use_key('a');
select is(app_private.request_idempotency_key(), null, 'no Idempotency-Key header: null');
call pg_temp.use_key_with('a', repeat('k', 255));
select is(app_private.request_idempotency_key(), repeat('k', 255), '255 characters: the key');
call pg_temp.use_key_with('a', repeat('k', 256));
select is(tests.refusal($$ select app_private.request_idempotency_key() $$),
  'PT400 invalid_field (Idempotency-Key)', '256 characters: invalid_field on Idempotency-Key');
call pg_temp.use_key_with('a', '');
select is(tests.refusal($$ select app_private.request_idempotency_key() $$),
  'PT400 invalid_field (Idempotency-Key)', 'empty: invalid_field');
call pg_temp.use_key_with('a', 'clé');
select is(tests.refusal($$ select app_private.request_idempotency_key() $$),
  'PT400 invalid_field (Idempotency-Key)', 'not ASCII: invalid_field');
call pg_temp.use_key_with('a', E'tab\there');
select is(tests.refusal($$ select app_private.request_idempotency_key() $$),
  'PT400 invalid_field (Idempotency-Key)', 'a control character: invalid_field');

-- The helpers, as anon with key A.
call pg_temp.use_key_with('a', 'k1');
select is(app_private.idempotent_replay('k1', 'op', '[1]')::text, null, 'a new key: nothing to replay');
select is(app_private.remember_response('k1', 'op', '[1]', '{"workspace_id":"w", "n":[1, 2]}')::text,
  '{"workspace_id":"w", "n":[1, 2]}', 'remember_response returns the response unchanged');
select is(app_private.idempotent_replay('k1', 'op', '[1]')::text,
  '{"idempotent_replayed":true,"workspace_id":"w", "n":[1, 2]}',
  'the same request: the stored response, byte for byte, marked as a replay');
select is(tests.refusal($$ select app_private.idempotent_replay('k1', 'op', '[2]') $$),
  'PT422 idempotency_key_reused (Idempotency-Key)', 'other arguments under the key: idempotency_key_reused');
select is(tests.refusal($$ select app_private.idempotent_replay('k1', 'other_op', '[1]') $$),
  'PT422 idempotency_key_reused (Idempotency-Key)', 'another operation under the key: idempotency_key_reused');
select is(app_private.remember_response(null, 'op', '[1]', '{"n":3}')::text, '{"n":3}',
  'without a key, remember_response stores nothing and returns the response');
call pg_temp.use_key_with('b', 'k1');
select is(app_private.idempotent_replay('k1', 'op', '[1]')::text, null, 'key B''s workspace does not see A''s key');
call tests.use_headers('{"x-api-key":"wbk_not_a_key","idempotency-key":"k1"}');
select is(tests.refusal($$ select app_private.idempotent_replay('k1', 'op', '[1]') $$),
  'PT401 invalid_key (no param)', 'without a valid API key: invalid_key, nothing replayed');
select is(tests.refusal($$ select app_private.remember_response('k9', 'op', '[1]', '{"n":1}') $$),
  'PT401 invalid_key (no param)', 'nor stored');

-- Expiry and purge.
reset role;
select is((select count(*)::int from app.idempotency_keys), 1, 'one key stored (A''s k1), none for the refused calls');
update app.idempotency_keys set created_at = now() - interval '24 hours 1 second';
insert into app.idempotency_keys (workspace_id, key, fingerprint, response, created_at)
select 'b0000000-0000-4000-8000-000000000000', 'old-' || n, sha256(''), '{"n":0}', now() - interval '2 days' - n * interval '1 hour'
  from generate_series(1, 3) n;
call pg_temp.use_key_with('a', 'k1');
select is(app_private.idempotent_replay('k1', 'op', '[2]')::text, null, 'after 24 hours the key is new again');
select is(app_private.remember_response('k1', 'op', '[2]', '{"n":2}')::text, '{"n":2}', 'and stores the new response');
select is(app_private.idempotent_replay('k1', 'op', '[2]')::text, '{"idempotent_replayed":true,"n":2}', 'which replays');
reset role;
select is((select array_agg(key order by key) from app.idempotency_keys), array['k1', 'old-1'],
  'storing purged the two oldest expired keys (any workspace''s), no more');
call pg_temp.use_key_with('a', 'k1');
select throws_ok($$ select app_private.remember_response('k1', 'op', '[2]', '{"n":2}') $$, 'P0001', null,
  'remember_response over a live key (without idempotent_replay first) is refused');

-- The api functions: a webhook endpoint created once, its secret rotated once.
call pg_temp.use_key_with('a', 'create-endpoint');
select (api.create_webhook_endpoint('https://hooks.example.com/crm', array['activity.created']))::text as first_create \gset
select is(api.create_webhook_endpoint('https://hooks.example.com/crm', array['activity.created'])::text,
  '{"idempotent_replayed":true,' || substr(:'first_create', 2),
  'api.create_webhook_endpoint with the same key and arguments replays its first result, secret included');
reset role;
select is((select count(*)::int from app.webhook_endpoints), 1, 'and created one endpoint');
call pg_temp.use_key_with('a', 'create-endpoint');
select is(tests.refusal($$ select api.create_webhook_endpoint('https://hooks.example.com/other', array['activity.created']) $$),
  'PT422 idempotency_key_reused (Idempotency-Key)', 'another URL under the key: idempotency_key_reused');
call pg_temp.use_key_with('a', 'rotate-1');
select (api.rotate_webhook_endpoint_secret(substr((:'first_create'::json -> 'webhook_endpoint' ->> 'id'), 4)::uuid)
          -> 'webhook_endpoint' ->> 'secret') as rotated \gset
select is(api.rotate_webhook_endpoint_secret(substr((:'first_create'::json -> 'webhook_endpoint' ->> 'id'), 4)::uuid)
          -> 'webhook_endpoint' ->> 'secret', :'rotated',
  'a retried rotation with the same key answers the secret the first one issued');
reset role;
select is((select count(*)::int from app.webhook_secrets), 2, 'and issued one secret, not two');

-- An activity recorded once, its activity.created queued once (the endpoint above subscribes).
call pg_temp.use_key_with('a', 'activity-1');
select api.create_activity('call', 'Discovery call')::text as first_activity \gset
select is(api.create_activity('call', 'Discovery call')::text, '{"idempotent_replayed":true,' || substr(:'first_activity', 2),
  'api.create_activity with the same key and arguments replays its first result');
select is(tests.refusal($$ select api.create_activity('call', 'Another call') $$),
  'PT422 idempotency_key_reused (Idempotency-Key)', 'other arguments: idempotency_key_reused');
reset role;
select is((select count(*)::int from app.activities), 1, 'one activity written');
select is((select count(*)::int from app.webhook_events where type = 'activity.created'), 1, 'one activity.created queued');

select * from finish();
rollback;
