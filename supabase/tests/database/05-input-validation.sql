-- api.create_activity validates its input again in SQL, because PostgREST exposes schema `api`
-- to anyone holding the project's anon key, not only to the gateway. Each refusal is a PT400 whose
-- message is the API error code and whose hint is the offending parameter; a refused request
-- writes nothing; limits count what the contract says (title: code points, metadata: bytes).
begin;
select plan(32);

-- A test key's plain text is derived from its label, so the owner and anon can both name it.
create function pg_temp.key_text(label text) returns text language sql immutable as $$
  select 'wbk_' || encode(sha256(convert_to('05-input-validation ' || label, 'UTF8')), 'hex')
$$;
-- How PostgREST runs a request: role anon, the raw key in the x-api-key request header.
create procedure pg_temp.use_key(label text) language sql as $$
  select set_config('role', 'anon', true),
         set_config('request.headers', json_build_object('x-api-key', pg_temp.key_text(label))::text, true)
$$;
-- How a statement is refused, as "SQLSTATE message (param)": the API error code travels as the
-- message and its `param` as the hint, so one string states the whole refusal.
create function pg_temp.refusal(statement text) returns text language plpgsql as $$
declare
  state text;
  message text;
  param text;
begin
  execute statement;
  return 'no error';
exception when others then
  get stacked diagnostics state = returned_sqlstate, message = message_text, param = pg_exception_hint;
  return format('%s %s (%s)', state, message, coalesce(nullif(param, ''), 'no param'));
end;
$$;

-- Fixture, as the owner. Ids: first digit = workspace (a), second = kind (0 workspace, 1 user).
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
select admin.create_api_key(array['activities:read', 'activities:write'], 'a0000000-0000-4000-8000-000000000000',
                            'a1000000-0000-4000-8000-000000000000', 'integration', null,
                            pg_temp.key_text('integration')) is not null as created \gset

-- Authentication comes before validation: a request without a key learns nothing about its input.
set local role anon;
select is(pg_temp.refusal($$ select api.create_activity(null, repeat('x', 501)) $$),
  'PT401 invalid_key (no param)', 'invalid input without a key is refused as invalid_key');

call pg_temp.use_key('integration');

-- type
select is(pg_temp.refusal($$ select api.create_activity(null) $$),
  'PT400 missing_required_field (type)', 'a null type is missing_required_field');
select is(pg_temp.refusal($$ select api.create_activity('') $$),
  'PT400 missing_required_field (type)', 'an empty type is missing_required_field');
-- No default for `type`, so an omitted type does not even resolve the function (42883; through
-- PostgREST a 404 PGRST202, not missing_required_field: see the test report). Refused all the same.
select isnt(pg_temp.refusal($$ select api.create_activity(title => 'No type') $$),
  'no error', 'an omitted type is refused');
select is(pg_temp.refusal($$ select api.create_activity('phone call') $$),
  'PT400 invalid_field (type)', 'a type with a space is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity('_call') $$),
  'PT400 invalid_field (type)', 'a type starting with "_" is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity('appel_téléphonique') $$),
  'PT400 invalid_field (type)', 'a type with non-ASCII letters is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity(repeat('a', 65)) $$),
  'PT400 invalid_field (type)', 'a type of 65 characters is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity(repeat('a', 64)) $$),
  'no error', 'a type of 64 characters is accepted');

-- title: at most 500 Unicode code points, whatever their byte length.
select is(pg_temp.refusal($$ select api.create_activity('call', repeat('x', 501)) $$),
  'PT400 invalid_field (title)', 'a title of 501 characters is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity('call', repeat('é', 500)) $$),
  'no error', 'a title of 500 two-byte characters is accepted');
select is(pg_temp.refusal($$ select api.create_activity('call', repeat('😀', 500)) $$),
  'no error', 'a title of 500 four-byte characters is accepted');
select is(pg_temp.refusal($$ select api.create_activity('call', repeat('😀', 501)) $$),
  'PT400 invalid_field (title)', 'a title of 501 four-byte characters is invalid_field');

-- metadata: a JSON object of at most 8192 bytes as sent.
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('x', 8184) || '"}')::json) $$),
  'no error', 'metadata of exactly 8192 bytes is accepted');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('x', 8185) || '"}')::json) $$),
  'PT400 metadata_too_large (metadata)', 'metadata of 8193 bytes is metadata_too_large');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('é', 4093) || '"}')::json) $$),
  'PT400 metadata_too_large (metadata)', 'metadata of 4101 characters but 8194 bytes is metadata_too_large');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('x', 100000) || '"}')::json) $$),
  'PT400 metadata_too_large (metadata)', 'metadata of 100 kB is metadata_too_large');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => '[1, 2]') $$),
  'PT400 invalid_field (metadata)', 'metadata that is an array is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => '"a string"') $$),
  'PT400 invalid_field (metadata)', 'metadata that is a string is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => '42') $$),
  'PT400 invalid_field (metadata)', 'metadata that is a number is invalid_field');
select is(pg_temp.refusal($$ select api.create_activity('call', metadata => 'true') $$),
  'PT400 invalid_field (metadata)', 'metadata that is a boolean is invalid_field');

-- entity_type and entity_id come together.
select is(pg_temp.refusal($$ select api.create_activity('call', entity_type => 'campaign') $$),
  'PT400 invalid_field (entity_id)', 'entity_type without entity_id is invalid_field on entity_id');
select is(pg_temp.refusal($$ select api.create_activity('call', entity_id => 'cmp_1') $$),
  'PT400 invalid_field (entity_type)', 'entity_id without entity_type is invalid_field on entity_type');

-- Input the function does not check itself is still refused, by the table's constraints or the
-- jsonb conversion (not with a PT400 of the API's own shape: see the test report).
select isnt(pg_temp.refusal($$ select api.create_activity('call', description => repeat('x', 65537)) $$),
  'no error', 'a description over 65536 characters is refused');
select isnt(pg_temp.refusal($$ select api.create_activity('call', entity_type => 'a campaign', entity_id => '1') $$),
  'no error', 'an entity_type with a space is refused');
select isnt(pg_temp.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => repeat('1', 256)) $$),
  'no error', 'an entity_id over 255 characters is refused');
select isnt(pg_temp.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => '1', entity_name => repeat('x', 501)) $$),
  'no error', 'an entity_name over 500 characters is refused');
select isnt(pg_temp.refusal($$ select api.create_activity('call', metadata => '{"a": "\u0000"}') $$),
  'no error', 'metadata containing a NUL character is refused');
select isnt(pg_temp.refusal($$ select api.create_activity('call', metadata => '{"a": "\ud800"}') $$),
  'no error', 'metadata containing a lone surrogate is refused');

-- Only the accepted requests wrote anything.
reset role;
select is((select count(*) from app.activities), 4::bigint,
  'only the four accepted requests wrote rows');
select is((select char_length(metadata ->> 'a') from app.activities where metadata is not null), 8184,
  'the 8192-byte metadata was stored whole');

-- The table holds the entity rule too, whoever writes (here the owner, who bypasses RLS).
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, entity_type)
     values ('a0000000-0000-4000-8000-000000000000', 'call', 'a1000000-0000-4000-8000-000000000000', 'campaign') $$,
  '23514', null, 'the table refuses an entity_type without entity_id');

select * from finish();
rollback;
