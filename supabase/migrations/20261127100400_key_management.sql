-- Key management for operators: `npm run keys` calls these, and so can the Supabase SQL editor.
-- Schema `admin` is not exposed through PostgREST and only service_role (and the owner) may
-- execute its functions. The plain key is returned once, by create_api_key, and never stored.

create schema admin;
comment on schema admin is 'Operator functions (API keys). Not exposed through PostgREST; service_role only.';
grant usage on schema admin to service_role;

create function admin.create_api_key(
  scopes text[],
  workspace_id uuid,
  user_id uuid,
  name text default '',
  expires_at timestamptz default null,
  key text default null
) returns json
language plpgsql volatile security definer set search_path = ''
as $$
declare
  -- 32 random bytes from two v4 UUIDs (244 random bits), built-in on every PostgreSQL >= 13.
  plain text := coalesce(
    create_api_key.key,
    'wbk_' || encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex')
  );
  new_id uuid;
begin
  if plain !~ '^wbk_[0-9A-Za-z]{32,128}$' then
    raise sqlstate '22023' using message = 'An API key must be "wbk_" followed by 32 to 128 letters or digits.';
  end if;
  if create_api_key.workspace_id is null or create_api_key.user_id is null then
    raise sqlstate '22023' using message = 'workspace_id and user_id are required.';
  end if;
  insert into app.workspaces (id, name)
  values (create_api_key.workspace_id, 'Workspace ' || left(create_api_key.workspace_id::text, 8))
  on conflict do nothing;
  insert into app.workspace_members (workspace_id, user_id)
  values (create_api_key.workspace_id, create_api_key.user_id)
  on conflict do nothing;
  insert into app.api_keys (workspace_id, user_id, name, key_hash, display_prefix, scopes, expires_at)
  values (create_api_key.workspace_id, create_api_key.user_id, coalesce(create_api_key.name, ''),
          sha256(convert_to(plain, 'UTF8')), left(plain, 12), create_api_key.scopes,
          create_api_key.expires_at)
  returning app.api_keys.id into new_id;
  return (
    select json_build_object('id', k.id, 'key', plain, 'display_prefix', k.display_prefix,
                             'workspace_id', k.workspace_id, 'user_id', k.user_id,
                             'scopes', k.scopes, 'expires_at', k.expires_at)
      from app.api_keys k where k.id = new_id
  );
end;
$$;

create function admin.list_api_keys(workspace uuid default null)
returns table (id uuid, display_prefix text, name text, workspace_id uuid, user_id uuid,
               scopes text[], expires_at timestamptz, revoked_at timestamptz,
               last_used_at timestamptz, created_at timestamptz)
language sql stable security definer set search_path = ''
as $$
  select k.id, k.display_prefix, k.name, k.workspace_id, k.user_id, k.scopes, k.expires_at,
         k.revoked_at, k.last_used_at, k.created_at
    from app.api_keys k
   where list_api_keys.workspace is null or k.workspace_id = list_api_keys.workspace
   order by k.created_at, k.id
$$;

-- Revoking is permanent and takes effect for the next request: nothing caches a key's validity.
create function admin.revoke_api_key(id uuid) returns timestamptz
language plpgsql volatile security definer set search_path = ''
as $$
declare
  revoked timestamptz;
begin
  update app.api_keys k set revoked_at = coalesce(k.revoked_at, now())
   where k.id = revoke_api_key.id
  returning k.revoked_at into revoked;
  if not found then
    raise sqlstate 'P0002' using message = format('No API key with id %s.', revoke_api_key.id);
  end if;
  return revoked;
end;
$$;

revoke execute on all functions in schema admin from public;
grant execute on all functions in schema admin to service_role;
