-- api.create_activity validates its input again in SQL, because PostgREST exposes schema `api`
-- to anyone holding the project's anon key, not only to the gateway. Each refusal is a PT400 whose
-- message is the API error code and whose hint is the offending parameter; a refused request
-- writes nothing; limits count what the contract says (title: code points, metadata: bytes).
begin;
select plan(32);

-- Fixture, as the owner. Ids: first digit = workspace (a), second = kind (0 workspace, 1 user).
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
select tests.create_key('integration', array['activities:read', 'activities:write']) is not null as created \gset

-- Authentication comes before validation: a request without a key learns nothing about its input.
set local role anon;
select is(tests.refusal($$ select api.create_activity(null, repeat('x', 501)) $$),
  'PT401 invalid_key (no param)', 'invalid input without a key is refused as invalid_key');

call tests.use_key('integration');

-- type
select is(tests.refusal($$ select api.create_activity(null) $$),
  'PT400 missing_required_field (type)', 'a null type is missing_required_field');
select is(tests.refusal($$ select api.create_activity('') $$),
  'PT400 missing_required_field (type)', 'an empty type is missing_required_field');
select is(tests.refusal($$ select api.create_activity(title => 'No type') $$),
  'PT400 missing_required_field (type)', 'an omitted type is missing_required_field');
select is(tests.refusal($$ select api.create_activity('phone call') $$),
  'PT400 invalid_field (type)', 'a type with a space is invalid_field');
select is(tests.refusal($$ select api.create_activity('_call') $$),
  'PT400 invalid_field (type)', 'a type starting with "_" is invalid_field');
select is(tests.refusal($$ select api.create_activity('appel_téléphonique') $$),
  'PT400 invalid_field (type)', 'a type with non-ASCII letters is invalid_field');
select is(tests.refusal($$ select api.create_activity(repeat('a', 65)) $$),
  'PT400 invalid_field (type)', 'a type of 65 characters is invalid_field');
select is(tests.refusal($$ select api.create_activity(repeat('a', 64)) $$),
  'no error', 'a type of 64 characters is accepted');

-- title: at most 500 Unicode code points, whatever their byte length.
select is(tests.refusal($$ select api.create_activity('call', repeat('x', 501)) $$),
  'PT400 invalid_field (title)', 'a title of 501 characters is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', repeat('é', 500)) $$),
  'no error', 'a title of 500 two-byte characters is accepted');
select is(tests.refusal($$ select api.create_activity('call', repeat('😀', 500)) $$),
  'no error', 'a title of 500 four-byte characters is accepted');
select is(tests.refusal($$ select api.create_activity('call', repeat('😀', 501)) $$),
  'PT400 invalid_field (title)', 'a title of 501 four-byte characters is invalid_field');

-- metadata: a JSON object of at most 8192 bytes as sent.
select is(tests.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('x', 8184) || '"}')::json) $$),
  'no error', 'metadata of exactly 8192 bytes is accepted');
select is(tests.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('x', 8185) || '"}')::json) $$),
  'PT400 metadata_too_large (metadata)', 'metadata of 8193 bytes is metadata_too_large');
select is(tests.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('é', 4093) || '"}')::json) $$),
  'PT400 metadata_too_large (metadata)', 'metadata of 4101 characters but 8194 bytes is metadata_too_large');
select is(tests.refusal($$ select api.create_activity('call', metadata => ('{"a":"' || repeat('x', 100000) || '"}')::json) $$),
  'PT400 metadata_too_large (metadata)', 'metadata of 100 kB is metadata_too_large');
select is(tests.refusal($$ select api.create_activity('call', metadata => '[1, 2]') $$),
  'PT400 invalid_field (metadata)', 'metadata that is an array is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '"a string"') $$),
  'PT400 invalid_field (metadata)', 'metadata that is a string is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '42') $$),
  'PT400 invalid_field (metadata)', 'metadata that is a number is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => 'true') $$),
  'PT400 invalid_field (metadata)', 'metadata that is a boolean is invalid_field');

-- entity_type and entity_id come together.
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'campaign') $$),
  'PT400 invalid_field (entity_id)', 'entity_type without entity_id is invalid_field on entity_id');
select is(tests.refusal($$ select api.create_activity('call', entity_id => '5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e') $$),
  'PT400 invalid_field (entity_type)', 'entity_id without entity_type is invalid_field on entity_type');

-- The other text fields, each with its own limit.
select is(tests.refusal($$ select api.create_activity('call', description => repeat('x', 65537)) $$),
  'PT400 invalid_field (description)', 'a description over 65536 characters is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'a campaign', entity_id => '5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e') $$),
  'PT400 invalid_field (entity_type)', 'an entity_type with a space is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => 'cmp_1') $$),
  'PT400 invalid_field (entity_id)', 'an entity_id that is not a UUID is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => '5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', entity_name => repeat('x', 501)) $$),
  'PT400 invalid_field (entity_name)', 'an entity_name over 500 characters is invalid_field');
-- Text PostgreSQL cannot store or clients cannot render is refused like the gateway refuses it.
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a": "\u0000"}') $$),
  'PT400 invalid_field (metadata)', 'metadata containing a NUL character is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a": "\ud800"}') $$),
  'PT400 invalid_field (metadata)', 'metadata containing a lone surrogate is invalid_field');

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
