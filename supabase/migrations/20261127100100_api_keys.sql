-- API keys: `wbk_` + 64 hex characters, shown once, stored only as their SHA-256 hash with a
-- short display prefix. The helpers in `app_private` turn the key PostgREST exposes as
-- request.headers->>'x-api-key' into the caller's workspace, user and scopes; RLS policies and
-- the api.* functions use them, so the database itself is where a key is accepted or refused.

create schema app_private;
comment on schema app_private is 'Helpers for RLS and the API functions. Not exposed through PostgREST.';

create table app.api_keys (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null,
  user_id uuid not null,
  name text not null default '' check (char_length(name) <= 200),
  key_hash bytea not null unique check (octet_length(key_hash) = 32),
  display_prefix text not null check (display_prefix ~ '^wbk_[0-9A-Za-z]{1,12}$'),
  scopes text[] not null check (
    cardinality(scopes) > 0
    and scopes <@ array['activities:write', 'activities:read', 'webhooks:write', 'webhooks:read']
  ),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (workspace_id, user_id)
    references app.workspace_members (workspace_id, user_id) on delete cascade
);

comment on column app.api_keys.key_hash is 'sha256 of the whole key text; the key itself is never stored.';

create index api_keys_workspace on app.api_keys (workspace_id);

-- What a request's key resolves to. Errors use PostgREST's PTnnn convention: the HTTP status is
-- in the SQLSTATE, the message is the API's error code, the detail is for humans and the hint
-- names the offending parameter.
create type app_private.api_key_context as (
  key_id uuid,
  workspace_id uuid,
  user_id uuid,
  scopes text[]
);

create function app_private.request_api_key() returns app_private.api_key_context
language plpgsql stable security definer set search_path = ''
as $$
declare
  raw_key text := nullif(current_setting('request.headers', true), '')::json ->> 'x-api-key';
  ctx app_private.api_key_context;
begin
  if raw_key is null or raw_key = '' then
    raise sqlstate 'PT401' using message = 'invalid_key', detail = 'No API key was sent.';
  end if;
  select k.id, k.workspace_id, k.user_id, k.scopes
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
create function app_private.require_scope(scope text) returns app_private.api_key_context
language plpgsql volatile security definer set search_path = ''
as $$
declare
  ctx app_private.api_key_context := app_private.request_api_key();
begin
  if not (scope = any (ctx.scopes)) then
    raise sqlstate 'PT403' using message = 'insufficient_permissions',
      detail = format('This API key lacks the %s scope.', scope);
  end if;
  if current_setting('transaction_read_only') = 'off' then
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
