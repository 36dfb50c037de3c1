-- What a write costs the database, made cheaper without giving up a guarantee (issue 11).
-- Profiled with perf on the backends and CPU time per call (README, Benchmarks): besides the
-- insert itself (which the hand-written handler pays too), the cost was PL/pgSQL and SQL-function
-- machinery, paid again in every transaction:
--
-- 1. SQL-language helpers with `set search_path`. A SQL function with a SET clause is never
--    inlined, and PostgreSQL 15 keeps its parsed and planned body only for the duration of the
--    calling query: it is parsed and planned again in every transaction. activity_json (every
--    create and get, and the webhook trigger) and key_workspace_with_scope (the webhook tables'
--    policies) are now PL/pgSQL, whose plans live as long as the session.
-- 2. Every PL/pgSQL expression is set up again in each transaction (its expression state,
--    a privilege check per function it calls) and re-validated on each use. create_activity
--    evaluated 28 of them (an IF per check, an assignment per column); it now evaluates five.
-- 3. Recording a key's last use. require_scope ran an UPDATE … FOR NO KEY UPDATE SKIP LOCKED on
--    every writing request even when the key had been used within the minute (nearly always);
--    the key lookup now also returns last_used_at, and the UPDATE runs only when it is due.
--
-- The pattern for api.* functions (keep it when writing or changing one):
--   - DECLARE the key with `app_private.require_scope('<scope>')`: one lookup of the request's
--     key, the scope check, the last-use stamp only when stale;
--   - DECLARE `invalid text[]` as ONE `case` over every input check, in the documented order,
--     giving {code, param, detail} for the first that fails; raise it with raise_invalid;
--   - build the row in ONE expression (`row(…)::app.<table>`: a column added to the table
--     without a value here fails loudly on the first call), insert it under RLS as the caller
--     (SECURITY INVOKER; the policy checks the key once per statement, never per row), without
--     RETURNING;
--   - return JSON built by a PL/pgSQL helper (activity_json); never put a SQL-language function
--     with `set search_path` on a per-request path.
-- Nothing here changes what a key may do; the pgTAP suite checks the same properties.

alter type app_private.api_key_context add attribute last_used_at timestamptz;

create or replace function app_private.request_api_key() returns app_private.api_key_context
language plpgsql stable security definer set search_path = ''
as $$
declare
  raw_key text := nullif(current_setting('request.headers', true), '')::json ->> 'x-api-key';
  ctx app_private.api_key_context;
begin
  if raw_key is null or raw_key = '' then
    raise sqlstate 'PT401' using message = 'invalid_key', detail = 'No API key was sent.';
  end if;
  select k.id, k.workspace_id, k.user_id, k.scopes, k.last_used_at
    into ctx
    from app.api_keys k
   where k.key_hash = sha256(convert_to(raw_key, 'UTF8'))
     and k.revoked_at is null
     and (k.expires_at is null or k.expires_at > now());
  if not found then
    raise sqlstate 'PT401' using message = 'invalid_key',
      detail = 'The API key is not valid: it is unknown, expired or revoked.';
  end if;
  return ctx;
end;
$$;

-- The entry check of every API function: a valid key that carries `scope`. In a writing
-- transaction it also records when the key was last used, at most once a minute and without
-- ever waiting for a lock, so a busy key does not serialise its own requests.
create or replace function app_private.require_scope(scope text) returns app_private.api_key_context
language plpgsql volatile security definer set search_path = ''
as $$
declare
  ctx app_private.api_key_context := app_private.request_api_key();
begin
  if not (scope = any (ctx.scopes)) then
    raise sqlstate 'PT403' using message = 'insufficient_permissions',
      detail = format('This API key lacks the %s scope.', scope);
  end if;
  if (ctx.last_used_at is null or ctx.last_used_at < now() - interval '1 minute')
     and current_setting('transaction_read_only') = 'off' then
    update app.api_keys set last_used_at = now()
     where id = (
       select id from app.api_keys
        where id = ctx.key_id and (last_used_at is null or last_used_at < now() - interval '1 minute')
          for no key update skip locked
     );
  end if;
  return ctx;
end;
$$;

-- The activity as the API shows it. json (not jsonb) keeps the documented key order.
create or replace function app_private.activity_json(a app.activities) returns json
language plpgsql stable set search_path = ''
as $$
begin
  return json_build_object(
    'id', 'act_' || a.id,
    'type', a.type,
    'title', a.title,
    'description', a.description,
    'contact_id', a.contact_id,
    'deal_id', a.deal_id,
    'entity_type', a.entity_type,
    'entity_id', a.entity_id,
    'entity_name', a.entity_name,
    'metadata', a.metadata,
    'created_by_user_id', a.created_by_user_id,
    'created_date', to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  );
end;
$$;

-- The key's workspace when the key carries one of `scopes`; null (no row visible) otherwise.
create or replace function app_private.key_workspace_with_scope(scopes text[]) returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  ctx app_private.api_key_context := app_private.request_api_key();
begin
  return case when ctx.scopes && key_workspace_with_scope.scopes then ctx.workspace_id end;
end;
$$;

-- The same checks, in the same order, with the same errors as before; see the pattern above.
create or replace function api.create_activity(
  type text default null,
  title text default null,
  description text default null,
  contact_id uuid default null,
  deal_id uuid default null,
  entity_type text default null,
  entity_id text default null,
  entity_name text default null,
  metadata json default null
) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:write');
  invalid text[] := case
    when create_activity.type is null or create_activity.type = '' then
      array['missing_required_field', 'type', 'type is required.']
    when create_activity.type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
      array['invalid_field', 'type', 'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when char_length(create_activity.title) > 500 then
      array['invalid_field', 'title', 'title must be at most 500 characters.']
    when char_length(create_activity.description) > 65536 then
      array['invalid_field', 'description', 'description must be at most 65536 characters.']
    when create_activity.entity_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
      array['invalid_field', 'entity_type',
            'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when char_length(create_activity.entity_id) not between 1 and 255 then
      array['invalid_field', 'entity_id', 'entity_id must be 1 to 255 characters.']
    when char_length(create_activity.entity_name) > 500 then
      array['invalid_field', 'entity_name', 'entity_name must be at most 500 characters.']
    when json_typeof(create_activity.metadata) not in ('object', 'null') then
      array['invalid_field', 'metadata', 'metadata must be a JSON object.']
    when octet_length(create_activity.metadata::text) > 8192 then
      array['metadata_too_large', 'metadata', 'metadata must be at most 8192 bytes when serialised as JSON.']
    when (create_activity.entity_type is null) <> (create_activity.entity_id is null) then
      array['invalid_field', case when create_activity.entity_type is null then 'entity_type' else 'entity_id' end,
            'entity_type and entity_id must be given together.']
  end;
  new_activity app.activities;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;

  -- JSON null metadata is stored as SQL null.
  new_activity := row(
    gen_random_uuid(), key.workspace_id, create_activity.type, create_activity.title,
    create_activity.description, create_activity.contact_id, create_activity.deal_id,
    create_activity.entity_type, create_activity.entity_id, create_activity.entity_name,
    nullif(create_activity.metadata::jsonb, 'null'::jsonb), key.user_id, key.key_id, now()
  )::app.activities;
  -- No RETURNING: it would need the read policy, and a write-only key must stay write-only.
  -- The contact and deal are checked by the composite foreign keys (workspace_id, contact_id)
  -- and (workspace_id, deal_id): one lookup each, which the insert pays anyway, and a contact
  -- of another workspace fails exactly like one that does not exist. The violation (23503,
  -- naming activities_contact_fkey or activities_deal_fkey, checked in that order) becomes the
  -- API's 404 contact_not_found / deal_not_found in the gateway (db/api-errors.ts); PostgREST
  -- called directly reports it as its 409.
  insert into app.activities (id, workspace_id, type, title, description, contact_id, deal_id,
                              entity_type, entity_id, entity_name, metadata, created_by_user_id,
                              api_key_id, created_at)
  values (new_activity.id, new_activity.workspace_id, new_activity.type, new_activity.title,
          new_activity.description, new_activity.contact_id, new_activity.deal_id,
          new_activity.entity_type, new_activity.entity_id, new_activity.entity_name,
          new_activity.metadata, new_activity.created_by_user_id, new_activity.api_key_id,
          new_activity.created_at);

  return json_build_object('workspace_id', key.workspace_id, 'activity', app_private.activity_json(new_activity));
end;
$$;
