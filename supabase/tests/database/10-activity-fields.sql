-- The doc's fields, exactly (issue 9) and the nesting limit in SQL (issue 15): metadata comes
-- back as sent — keys in their order, numbers as written — compact; a number a double cannot
-- keep, nesting past 16 levels and a non-UUID entity_id are refused here as in the gateway,
-- because PostgREST lets anyone with the anon key call api.create_activity directly.
begin;
select plan(34);

insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
select tests.create_key('integration', array['activities:read', 'activities:write']) is not null as created \gset

set local role anon;
call tests.use_key('integration');

-- Order, integer-like keys, numbers as written, whitespace dropped (outside strings only).
select api.create_activity('call', metadata => '{"duration_minutes": 32, "direction": "outbound"}') as doc \gset
select is((:'doc'::json -> 'activity' -> 'metadata')::text, '{"duration_minutes":32,"direction":"outbound"}',
  'the doc''s example metadata comes back in its order, compact');
select is((api.get_activity(substr(:'doc'::json -> 'activity' ->> 'id', 5)::uuid) -> 'activity' -> 'metadata')::text,
  '{"duration_minutes":32,"direction":"outbound"}', 'and so does a read of it');
select is((api.create_activity('note', metadata => '{"2":"b","1":"a","z":{"10":1,"9":2}}') -> 'activity' -> 'metadata')::text,
  '{"2":"b","1":"a","z":{"10":1,"9":2}}', 'integer-like keys keep their order, nested too');
select is((api.create_activity('note', metadata => '{"a":1.0,"b":-0,"c":2.50,"d":1e2,"e":9007199254740991,"f":-9007199254740991,"g":0.1}')
           -> 'activity' -> 'metadata')::text,
  '{"a":1.0,"b":-0,"c":2.50,"d":1e2,"e":9007199254740991,"f":-9007199254740991,"g":0.1}', 'numbers come back as written');
select is((api.create_activity('note', metadata => E'{ "a b" : [ 1 , 2 ] ,\n\t"c" : "x  y" , "d":"say \\" hi " }') -> 'activity' -> 'metadata')::text,
  '{"a b":[1,2],"c":"x  y","d":"say \" hi "}', 'whitespace outside strings is dropped, inside strings kept');
select is((api.create_activity('note', metadata => '{"k":"1e400 and 9007199254740993"}') -> 'activity' -> 'metadata')::text,
  '{"k":"1e400 and 9007199254740993"}', 'numbers inside strings are text, not checked');

-- Numbers a double cannot keep.
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":1e400}') $$),
  'PT400 invalid_field (metadata)', '1e400 is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":9007199254740992}') $$),
  'PT400 invalid_field (metadata)', '2^53 is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":[-9007199254740992]}') $$),
  'PT400 invalid_field (metadata)', '-2^53 is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":9007199254740993.0}') $$),
  'PT400 invalid_field (metadata)', 'an integer beyond 2^53 written with a fraction is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":1e300}') $$),
  'PT400 invalid_field (metadata)', '1e300 (an integer beyond 2^53) is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":1e-400}') $$),
  'PT400 invalid_field (metadata)', '1e-400 (reads as 0) is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":0e1000}') $$),
  'PT400 invalid_field (metadata)', 'an exponent of 1000 or more is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', metadata => '{"a":1.5e-300,"b":123456789.123456789}') $$),
  'no error', 'small and long-fraction numbers a double reads are accepted');

-- The same lists as the gateway's unit test (test/unit/json-text.test.ts): both sides agree.
select is((select array_agg(t) from unnest(array['1e400', '-1e400', '9007199254740992', '-9007199254740992', '9007199254740993',
             '9007199254740992.5', '1e16', '10000000000000000', '1e300', '1e-400', '2.2250738585072013e-308', '0e1000',
             '1E+1000', '1e-0001000', '1e+0999', '1e-0999']) t
            where not app_private.json_has_inexact_number(('{"n":' || t || '}')::json)), null,
  'every number the gateway refuses is refused here');
select is((select array_agg(t) from unnest(array['0', '-0', '0.0', '1.0', '2.50', '0.1', '9007199254740991', '-9007199254740991',
             '1e15', '1E2', '2.2250738585072014e-308', '1.5e-300', '123456789.123456789', '0e999']) t
            where app_private.json_has_inexact_number(('{"n":' || t || '}')::json)), null,
  'every number the gateway keeps is kept here');

-- Nesting: the top object is level 1; 16 levels pass, 17 do not; brackets in strings do not count.
select is(tests.refusal(format($$ select api.create_activity('call', metadata => '{"a":%s1%s}') $$, repeat('[', 15), repeat(']', 15))),
  'no error', 'metadata nested 16 levels is accepted');
select is(tests.refusal(format($$ select api.create_activity('call', metadata => '{"a":%s1%s}') $$, repeat('[', 16), repeat(']', 16))),
  'PT400 invalid_field (metadata)', 'metadata nested 17 levels is invalid_field');
select is(tests.refusal(format($$ select api.create_activity('call', metadata => '{"a":%s1%s}') $$, repeat('[', 3999), repeat(']', 3999))),
  'PT400 invalid_field (metadata)', 'metadata nested 4,000 levels (within 8192 bytes) is invalid_field');
select is(tests.refusal(format($$ select api.create_activity('call', metadata => '{"a":[[[[]]]],"b":"%s"}') $$, repeat('[{', 40))),
  'no error', 'brackets inside strings do not count as nesting');
select is(tests.refusal(format($$ select api.create_activity('call', metadata => '{"a":[%s]}') $$, repeat('[],', 40) || '[]')),
  'no error', 'many sibling arrays are not nesting');

-- entity_id: a UUID in any letter case, stored lower case.
select is(api.create_activity('email_sent', entity_type => 'campaign', entity_id => 'C56A4180-65AA-42EC-A945-5FD21DEC0538')
          -> 'activity' ->> 'entity_id', 'c56a4180-65aa-42ec-a945-5fd21dec0538', 'an upper-case UUID entity_id is stored lower case');
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => 'cmp_42') $$),
  'PT400 invalid_field (entity_id)', 'an entity_id that is not a UUID is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => '{c56a4180-65aa-42ec-a945-5fd21dec0538}') $$),
  'PT400 invalid_field (entity_id)', 'a UUID in braces (PostgreSQL accepts it as uuid) is invalid_field');
select is(tests.refusal($$ select api.create_activity('call', entity_type => 'campaign', entity_id => 'c56a418065aa42eca9455fd21dec0538') $$),
  'PT400 invalid_field (entity_id)', 'a UUID without hyphens is invalid_field');

-- The one place of the field rules: a SQL function without SET (inlined into its caller), first failure or null.
reset role;
select is((select l.lanname::text from pg_proc p join pg_language l on l.oid = p.prolang
            where p.oid = 'app_private.activity_field_problem(text,text,text,text,text,text,json)'::regprocedure), 'sql',
  'activity_field_problem is a SQL function');
select is((select proconfig from pg_proc where oid = 'app_private.activity_field_problem(text,text,text,text,text,text,json)'::regprocedure),
  null, 'activity_field_problem has no SET clause, so it can be inlined');
select is(app_private.activity_field_problem('call', null, null, null, null, null, '{"a":1}'), null,
  'activity_field_problem: valid fields are null');
select is(app_private.activity_field_problem('call', null, null, 'campaign', 'nope', null, null),
  array['invalid_field', 'entity_id', 'entity_id must be a UUID.'], 'activity_field_problem: the first failure');
select is(app_private.compact_json(E'{ "a" :\r\n 1 }'::json)::text, '{"a":1}', 'compact_json drops insignificant whitespace');

-- The column keeps the text; the table still holds objects only.
select is((select data_type from information_schema.columns
            where table_schema = 'app' and table_name = 'activities' and column_name = 'metadata'), 'json',
  'app.activities.metadata is json');
select is((select data_type from information_schema.columns
            where table_schema = 'app' and table_name = 'activities' and column_name = 'entity_id'), 'text',
  'app.activities.entity_id stays text (older rows keep their ids)');
select throws_ok(
  $$ insert into app.activities (workspace_id, type, created_by_user_id, metadata)
     values ('a0000000-0000-4000-8000-000000000000', 'call', 'a1000000-0000-4000-8000-000000000000', '[1]') $$,
  '23514', null, 'the table refuses metadata that is not an object');
select is((select count(*) from app.activities where metadata::text <> app_private.compact_json(metadata)::text), 0::bigint,
  'every stored metadata is compact');

select * from finish();
rollback;
