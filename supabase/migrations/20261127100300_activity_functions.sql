-- The API's database entry points. Each is one call from the gateway (one round trip), runs as
-- the caller's role (SECURITY INVOKER, so RLS applies) and raises PTnnn errors whose message is
-- the API error code. They validate their input again because PostgREST exposes `api` to
-- anyone holding the project's anon key, not only to the gateway.

create schema api;
comment on schema api is 'Functions the API gateway calls; exposed through PostgREST (config.toml schemas).';
grant usage on schema api to anon, service_role;

-- The activity as the API shows it. json (not jsonb) keeps the documented key order.
create function app_private.activity_json(a app.activities) returns json
language sql stable set search_path = ''
as $$
  select json_build_object(
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
  )
$$;
revoke execute on function app_private.activity_json(app.activities) from public;
grant execute on function app_private.activity_json(app.activities) to anon, service_role;

create function app_private.raise_invalid(code text, param text, detail text) returns void
language plpgsql volatile set search_path = ''
as $$
begin
  raise sqlstate 'PT400' using message = code, detail = detail, hint = param;
end;
$$;
revoke execute on function app_private.raise_invalid(text, text, text) from public;
grant execute on function app_private.raise_invalid(text, text, text) to anon;

-- `metadata` arrives as json, not jsonb, so that its size is measured on the text the caller
-- sent (the gateway sends the compact serialisation it measured) before jsonb rewrites it.
-- type defaults to null so that a call without it reaches the function and gets
-- missing_required_field, rather than PostgREST's "no such function" (PGRST202).
create function api.create_activity(
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
  new_activity app.activities;
begin
  if create_activity.type is null or create_activity.type = '' then
    perform app_private.raise_invalid('missing_required_field', 'type', 'type is required.');
  end if;
  if create_activity.type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
    perform app_private.raise_invalid('invalid_field', 'type',
      'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.');
  end if;
  if char_length(create_activity.title) > 500 then
    perform app_private.raise_invalid('invalid_field', 'title', 'title must be at most 500 characters.');
  end if;
  if char_length(create_activity.description) > 65536 then
    perform app_private.raise_invalid('invalid_field', 'description', 'description must be at most 65536 characters.');
  end if;
  if create_activity.entity_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
    perform app_private.raise_invalid('invalid_field', 'entity_type',
      'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.');
  end if;
  if char_length(create_activity.entity_id) not between 1 and 255 then
    perform app_private.raise_invalid('invalid_field', 'entity_id', 'entity_id must be 1 to 255 characters.');
  end if;
  if char_length(create_activity.entity_name) > 500 then
    perform app_private.raise_invalid('invalid_field', 'entity_name', 'entity_name must be at most 500 characters.');
  end if;
  if create_activity.metadata is not null then
    if json_typeof(create_activity.metadata) = 'null' then
      create_activity.metadata := null;
    elsif json_typeof(create_activity.metadata) <> 'object' then
      perform app_private.raise_invalid('invalid_field', 'metadata', 'metadata must be a JSON object.');
    elsif octet_length(create_activity.metadata::text) > 8192 then
      perform app_private.raise_invalid('metadata_too_large', 'metadata',
        'metadata must be at most 8192 bytes when serialised as JSON.');
    end if;
  end if;
  if (create_activity.entity_type is null) <> (create_activity.entity_id is null) then
    perform app_private.raise_invalid('invalid_field',
      case when create_activity.entity_type is null then 'entity_type' else 'entity_id' end,
      'entity_type and entity_id must be given together.');
  end if;

  new_activity.id := gen_random_uuid();
  new_activity.workspace_id := key.workspace_id;
  new_activity.type := create_activity.type;
  new_activity.title := create_activity.title;
  new_activity.description := create_activity.description;
  new_activity.contact_id := create_activity.contact_id;
  new_activity.deal_id := create_activity.deal_id;
  new_activity.entity_type := create_activity.entity_type;
  new_activity.entity_id := create_activity.entity_id;
  new_activity.entity_name := create_activity.entity_name;
  new_activity.metadata := create_activity.metadata::jsonb;
  new_activity.created_by_user_id := key.user_id;
  new_activity.api_key_id := key.key_id;
  new_activity.created_at := now();
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

-- Volatile because require_scope records the key's use when the transaction may write.
create function api.get_activity(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:read');
  found_json json;
begin
  select app_private.activity_json(a) into found_json from app.activities a where a.id = get_activity.id;
  if found_json is null then
    raise sqlstate 'PT404' using message = 'activity_not_found', hint = 'id',
      detail = format('No activity with id act_%s exists in this workspace.', get_activity.id);
  end if;
  return json_build_object('workspace_id', key.workspace_id, 'activity', found_json);
end;
$$;

revoke execute on function
  api.create_activity(text, text, text, uuid, uuid, text, text, text, json),
  api.get_activity(uuid)
from public;
grant execute on function
  api.create_activity(text, text, text, uuid, uuid, text, text, text, json),
  api.get_activity(uuid)
to anon;
