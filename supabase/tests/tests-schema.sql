-- The helpers every pgTAP file in supabase/tests/database uses, created once per test database by
-- the runner (test/database/pgtap.test.ts) before the files run, the way basejump's suites get
-- `tests.authenticate_as`: create the two-workspace fixture, name a test key, create it, act as it
-- the way PostgREST does, and read how a statement was refused. Only the test database has this
-- schema; no migration creates it.
create schema tests;
-- The files call these after switching to anon (or another API role).
grant usage on schema tests to public;

-- A test key's plain text is derived from its label, so the owner and anon can both name it.
create function tests.key_text(label text) returns text language sql immutable as $$
  select 'wbk_' || encode(sha256(convert_to('pgtap ' || label, 'UTF8')), 'hex')
$$;

-- How PostgREST runs a request: role anon, the request's headers as JSON in request.headers
-- (given verbatim here, for requests that carry no usable key).
create procedure tests.use_headers(headers json) language sql as $$
  select set_config('role', 'anon', true), set_config('request.headers', headers::text, true)
$$;

-- The same with a key in the x-api-key header: a key given in full, or a test key by its label.
create procedure tests.use_raw_key(key text) language plpgsql as $$
begin
  call tests.use_headers(json_build_object('x-api-key', key));
end
$$;

create procedure tests.use_key(label text) language plpgsql as $$
begin
  call tests.use_raw_key(tests.key_text(label));
end
$$;

-- The two-workspace fixture, as the owner: workspace A (a0…) with its member a1…, workspace B
-- (b0…) with its member b1… — the ids the files share (first digit = workspace, second = kind) and
-- tests.create_key's defaults. A file adds its own contacts, deals, activities and keys after it.
create procedure tests.create_workspaces_a_and_b() language sql as $$
  insert into app.workspaces (id, name) values
    ('a0000000-0000-4000-8000-000000000000', 'Workspace A'),
    ('b0000000-0000-4000-8000-000000000000', 'Workspace B');
  insert into app.workspace_members (workspace_id, user_id) values
    ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000000'),
    ('b0000000-0000-4000-8000-000000000000', 'b1000000-0000-4000-8000-000000000000');
$$;

-- A test key named by its label, as an operator creates one. Workspace and user default to the
-- files' first fixture (a0… and its member a1…). Returns the key's id.
create function tests.create_key(
  label text,
  scopes text[],
  workspace uuid default 'a0000000-0000-4000-8000-000000000000',
  member uuid default 'a1000000-0000-4000-8000-000000000000',
  expires_at timestamptz default null
) returns uuid language sql as $$
  select (admin.create_api_key(scopes, workspace, member, label, expires_at, tests.key_text(label)) ->> 'id')::uuid
$$;

-- How a statement is refused, as "SQLSTATE message (param)" — the API's error code travels as
-- the message and its `param` as the hint, so one string states the whole refusal — or
-- 'no error' when it is not refused. With undo_writes, what an accepted statement wrote is undone
-- too (a file trying many cases against a limit keeps them apart).
create function tests.refusal(statement text, undo_writes boolean default false) returns text language plpgsql as $$
declare
  state text;
  message text;
  param text;
begin
  execute statement;
  if undo_writes then
    raise sqlstate 'TSTOK';
  end if;
  return 'no error';
exception
  when sqlstate 'TSTOK' then return 'no error';
  when others then
    get stacked diagnostics state = returned_sqlstate, message = message_text, param = pg_exception_hint;
    return format('%s %s (%s)', state, message, coalesce(nullif(param, ''), 'no param'));
end;
$$;
