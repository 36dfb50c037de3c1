-- What the webhook endpoint functions refuse when called the way PostgREST calls them (role anon,
-- a valid key with webhooks:write, no gateway in front): every URL rule that needs no DNS —
-- scheme, credentials, localhost, and each literal address the IANA special-purpose registries
-- do not call globally reachable, in whatever spelling a URL parser accepts — on create and on
-- update; the operator's development switch and who may turn it; the 20-endpoint limit.
begin;
select plan(28);

-- A test key's plain text is derived from its label, so the owner and anon can both name it.
create function pg_temp.key_text(label text) returns text language sql immutable as $$
  select 'wbk_' || encode(sha256(convert_to('20-webhook-endpoint-rules ' || label, 'UTF8')), 'hex')
$$;
-- How PostgREST runs a request: role anon, the raw key in the x-api-key request header.
create procedure pg_temp.use_key(label text) language sql as $$
  select set_config('role', 'anon', true),
         set_config('request.headers', json_build_object('x-api-key', pg_temp.key_text(label))::text, true)
$$;
-- How a statement ends, as "SQLSTATE message (param)", or 'no error'; what it wrote is undone
-- either way, so that the cases do not add up against the endpoint limit.
create function pg_temp.outcome(statement text) returns text language plpgsql as $$
declare
  state text;
  message text;
  param text;
begin
  execute statement;
  raise sqlstate 'TSTOK';
exception
  when sqlstate 'TSTOK' then return 'no error';
  when others then
    get stacked diagnostics state = returned_sqlstate, message = message_text, param = pg_exception_hint;
    return format('%s %s (%s)', state, message, coalesce(nullif(param, ''), 'no param'));
end;
$$;
create function pg_temp.create_endpoint(url text) returns text language sql as $$
  select pg_temp.outcome(format('select api.create_webhook_endpoint(%L, array[''*''])', url))
$$;

-- Fixture, as the owner. Ids: first digit = workspace (a), second = kind (0 workspace, 1 user).
insert into app.workspaces (id, name) values ('a0000000-0000-4000-8000-000000000000', 'Workspace A');
insert into app.workspace_members (workspace_id, user_id)
values ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000');
select admin.create_api_key(array['webhooks:write', 'webhooks:read'], 'a0000000-0000-4000-8000-000000000000',
                            'a1000000-0000-4000-8000-000000000000', 'integration', null,
                            pg_temp.key_text('integration')) is not null as created \gset
-- One endpoint stored before the rules existed (the trigger off for it), at a URL they refuse.
alter table app.webhook_endpoints disable trigger check_webhook_endpoint_url;
insert into app.webhook_endpoints (id, workspace_id, url, events)
values ('a2000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000', 'http://127.0.0.1:6379/', array['*']);
alter table app.webhook_endpoints enable trigger check_webhook_endpoint_url;
-- One address per block of the registry table: its last one, except for NAT64's prefix, whose
-- last address carries 255.255.255.255 (judged as that); a public IPv4 address stands for it.
create temp table samples as
  select s.block, coalesce(s.globally_reachable, false) as reachable,
         case when s.block = '64:ff9b::/96' then '64:ff9b::808:808'::inet else broadcast(s.block) end as address
    from app_private.special_purpose_addresses s;
grant select on samples to anon;

call pg_temp.use_key('integration');

-- The examples of issue 15, and the other spellings of loopback and cloud metadata.
select is(pg_temp.create_endpoint('https://169.254.169.254/latest/meta-data/'), 'PT400 invalid_field (url)',
  'link-local (cloud metadata) is refused');
select is(pg_temp.create_endpoint('http://127.0.0.1:6379/'), 'PT400 invalid_field (url)',
  'http to loopback is refused outside development');
select is(pg_temp.create_endpoint('https://[::1]/'), 'PT400 invalid_field (url)', 'IPv6 loopback is refused');
select is(pg_temp.create_endpoint('https://[::ffff:0:7f00:1]/'), 'PT400 invalid_field (url)',
  'IPv4-translated loopback (::ffff:0:0:0/96) is refused');
select is(pg_temp.create_endpoint('https://[::ffff:0:a9fe:a9fe]/'), 'PT400 invalid_field (url)',
  'IPv4-translated link-local is refused');
select is(pg_temp.create_endpoint('https://[::ffff:169.254.169.254]/'), 'PT400 invalid_field (url)',
  'IPv4-mapped link-local is refused');
select is(pg_temp.create_endpoint('https://0x7f.1/'), 'PT400 invalid_field (url)', 'loopback written 0x7f.1 is refused');
select is(pg_temp.create_endpoint('https://2130706433/'), 'PT400 invalid_field (url)', 'loopback written as one number is refused');
select is(pg_temp.create_endpoint('https://0177.0.0.1/'), 'PT400 invalid_field (url)', 'loopback written in octal is refused');
select is(pg_temp.create_endpoint('https://api.localhost/'), 'PT400 invalid_field (url)', 'localhost names are refused');
select is(pg_temp.create_endpoint('ftp://hooks.example.com/'), 'PT400 invalid_field (url)', 'other schemes are refused');
select is(pg_temp.create_endpoint('https://hooks.example.com:0/'), 'PT400 invalid_field (url)', 'port 0 is refused');
select is(pg_temp.create_endpoint('https://%31%32%37.0.0.1/'), 'PT400 invalid_field (url)', 'a percent-encoded host is refused');
select is(pg_temp.create_endpoint('https://hooks.example.com/crm'), 'no error', 'a public https URL is accepted');

-- Every block of the registries.
select is(
  array(select s.block::text from samples s
         where pg_temp.create_endpoint(format('https://%s/', case family(s.address) when 6 then '[' || host(s.address) || ']'
                                                                  else host(s.address) end)) = 'no error'
         order by s.block),
  array(select s.block::text from samples s where s.reachable order by s.block),
  'exactly the blocks the registries call globally reachable are accepted, one address of each tried');

-- Update: a new url is held to the same rules; an endpoint stored before them can still change otherwise.
select is(pg_temp.outcome($$ select api.update_webhook_endpoint('a2000000-0000-4000-8000-000000000000', url => 'https://[::ffff:0:7f00:1]/') $$),
  'PT400 invalid_field (url)', 'update refuses a non-public url');
select is(pg_temp.outcome($$ select api.update_webhook_endpoint('a2000000-0000-4000-8000-000000000000', enabled => false) $$),
  'no error', 'an endpoint stored before the rules can still be disabled');
select is((api.update_webhook_endpoint('a2000000-0000-4000-8000-000000000000', url => 'HTTPS://Hooks.example.com/X') -> 'webhook_endpoint' ->> 'url'),
  'https://Hooks.example.com/X', 'the scheme is stored in lower case, the rest as given');
select is((api.create_webhook_endpoint('Https://hooks.example.com/y', array['*']) -> 'webhook_endpoint' ->> 'url'),
  'https://hooks.example.com/y', 'create stores the scheme in lower case too');

-- The development switch: only the operator may turn it; on, it allows http to loopback.
select throws_ok($$ select admin.allow_insecure_webhook_urls(true) $$, '42501', null, 'anon cannot turn on insecure mode');
select throws_ok($$ select * from app_private.webhook_url_settings $$, '42501', null, 'anon cannot read the switch');
reset role;
select admin.allow_insecure_webhook_urls(true) is null as switched_on \gset
call pg_temp.use_key('integration');
select is(pg_temp.create_endpoint('http://127.0.0.1:9/hook'), 'no error', 'in development, http to loopback is accepted');
select is(pg_temp.create_endpoint('http://hooks.example.com/'), 'PT400 invalid_field (url)',
  'in development, http elsewhere is still refused');
reset role;
select admin.allow_insecure_webhook_urls(false) is null as switched_off \gset
call pg_temp.use_key('integration');
select is(pg_temp.create_endpoint('http://127.0.0.1:9/hook'), 'PT400 invalid_field (url)', 'turned off again, it is refused');

-- The limit: 20 per workspace (two exist: the old one and the one just created).
select is(
  (select count(*)::int from generate_series(1, 18) i
    where (api.create_webhook_endpoint('https://hooks.example.com/' || i, array['*']) ->> 'workspace_id') is not null),
  18, 'creates succeed up to the 20th endpoint');
select is(pg_temp.create_endpoint('https://hooks.example.com/21'), 'PT409 webhook_endpoint_limit_reached (no param)',
  'the 21st is refused');
reset role;
select is((select endpoints from app_private.webhook_endpoint_counts where workspace_id = 'a0000000-0000-4000-8000-000000000000'),
  20, 'the counter holds the number of endpoints');
call pg_temp.use_key('integration');
select api.delete_webhook_endpoint('a2000000-0000-4000-8000-000000000000') is not null as deleted \gset
select is(pg_temp.create_endpoint('https://hooks.example.com/again'), 'no error', 'a delete frees a place');

select * from finish();
rollback;
