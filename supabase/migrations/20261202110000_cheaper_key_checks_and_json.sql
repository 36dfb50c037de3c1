-- What a write costs the database, made cheaper without giving up a guarantee (issue 11).
-- Profiled with perf and CPU time per call (see README, Benchmarks); two helpers on every
-- request were most of the cost above the insert itself:
--
-- 1. SQL-language helpers with `set search_path`. A SQL function with a SET clause is never
--    inlined, and PostgreSQL 15 keeps its parsed and planned body only for the duration of the
--    calling query: it is parsed and planned again in every transaction. activity_json (called
--    by every create/get and by the webhook trigger) and key_workspace_with_scope (the webhook
--    tables' policies) are now PL/pgSQL, whose plans live as long as the session.
-- 2. Recording a key's last use. require_scope ran an UPDATE … FOR NO KEY UPDATE SKIP LOCKED
--    statement on every writing request even when the key had been used less than a minute
--    ago (nearly always); the key lookup now also returns last_used_at, and the UPDATE runs
--    only when it is due.
--
-- The pattern for api.* functions (reuse it when writing or changing one):
--   - begin with `app_private.require_scope('<scope>')`: one lookup of the request's key, the
--     scope check, and the last-use stamp only when it is stale;
--   - write under RLS as the caller (SECURITY INVOKER); the policy checks the key again, once
--     per statement (an InitPlan, never per row);
--   - build JSON with the PL/pgSQL helpers (activity_json); never add a SQL-language function
--     with `set search_path` on a per-request path — make it PL/pgSQL.
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
