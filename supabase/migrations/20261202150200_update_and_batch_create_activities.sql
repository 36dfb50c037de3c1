-- PATCH /v1/activities/{id} (api.update_activity) and POST /v1/activities/batch
-- (api.create_activities). Both take their fields as one JSON object per activity, as the caller
-- sent it: a PATCH must tell an absent field from one sent as null (which clears it), and a
-- batch is one call however many items it has. Each field is checked with the rules and codes
-- of api.create_activity, in the order of its parameters.

-- The first problem of an activity's fields given as a JSON object: {code, param, detail}, with
-- param relative to the object ('' for the object itself), or null. `creating`: type is
-- required and entity_type/entity_id must come together (a PATCH checks that pair on the
-- activity as it will be). Strings must be JSON strings; metadata a JSON object or null.
create function app_private.activity_fields_problem(fields json, creating boolean) returns text[]
language plpgsql immutable set search_path = ''
as $$
declare
  uuid_pattern constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  identifier constant text := '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$';
  kind text := json_typeof(fields);
  type_kind text := json_typeof(fields -> 'type');
  unknown text;
begin
  if kind is distinct from 'object' then
    return array['invalid_field', '', 'An activity must be a JSON object.'];
  end if;
  select k into unknown from json_object_keys(fields) k
   where k not in ('type', 'title', 'description', 'contact_id', 'deal_id', 'entity_type', 'entity_id',
                   'entity_name', 'metadata')
   limit 1;
  return case
    when (type_kind is null and creating) or type_kind = 'null' then
      array['missing_required_field', 'type', 'type is required.']
    when type_kind <> 'string' or (fields ->> 'type') !~ identifier then
      array['invalid_field', 'type', 'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when json_typeof(fields -> 'title') not in ('string', 'null') then
      array['invalid_field', 'title', 'title must be a string.']
    when char_length(fields ->> 'title') > 500 then
      array['invalid_field', 'title', 'title must be at most 500 characters.']
    when json_typeof(fields -> 'description') not in ('string', 'null') then
      array['invalid_field', 'description', 'description must be a string.']
    when char_length(fields ->> 'description') > 65536 then
      array['invalid_field', 'description', 'description must be at most 65536 characters.']
    when json_typeof(fields -> 'contact_id') not in ('string', 'null') or (fields ->> 'contact_id') !~ uuid_pattern then
      array['invalid_field', 'contact_id', 'contact_id must be a UUID.']
    when json_typeof(fields -> 'deal_id') not in ('string', 'null') or (fields ->> 'deal_id') !~ uuid_pattern then
      array['invalid_field', 'deal_id', 'deal_id must be a UUID.']
    when json_typeof(fields -> 'entity_type') not in ('string', 'null') or (fields ->> 'entity_type') !~ identifier then
      array['invalid_field', 'entity_type',
            'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when json_typeof(fields -> 'entity_id') not in ('string', 'null')
         or char_length(fields ->> 'entity_id') not between 1 and 255 then
      array['invalid_field', 'entity_id', 'entity_id must be 1 to 255 characters.']
    when json_typeof(fields -> 'entity_name') not in ('string', 'null') then
      array['invalid_field', 'entity_name', 'entity_name must be a string.']
    when char_length(fields ->> 'entity_name') > 500 then
      array['invalid_field', 'entity_name', 'entity_name must be at most 500 characters.']
    when json_typeof(fields -> 'metadata') not in ('object', 'null') then
      array['invalid_field', 'metadata', 'metadata must be a JSON object.']
    when octet_length((fields -> 'metadata')::text) > 8192 then
      array['metadata_too_large', 'metadata', 'metadata must be at most 8192 bytes when serialised as JSON.']
    when unknown is not null then
      array['invalid_field', unknown, format('Unknown field "%s".', unknown)]
    when creating and (json_typeof(fields -> 'entity_type') is distinct from 'string')
                   <> (json_typeof(fields -> 'entity_id') is distinct from 'string') then
      array['invalid_field',
            case when json_typeof(fields -> 'entity_type') is distinct from 'string' then 'entity_type' else 'entity_id' end,
            'entity_type and entity_id must be given together.']
  end;
end;
$$;
revoke execute on function app_private.activity_fields_problem(json, boolean) from public;
grant execute on function app_private.activity_fields_problem(json, boolean) to anon;

-- PATCH's row change runs as the owner, confined to the key's workspace by the key itself, for
-- the reason 20261202150100_delete_activity.sql gives (PostgreSQL applies SELECT policies to an
-- UPDATE's WHERE, so a write-only key would find nothing). The fields were checked by the
-- caller; what only the stored row can tell is checked here: entity_type and entity_id together.
-- An update that changes nothing the API shows writes nothing (and so fires no event). Returns
-- the activity as reads return it when the key may read; null for a write-only key, which learns
-- nothing it did not send.
create function app_private.change_activity_row(id uuid, changes json) returns json
language plpgsql volatile security definer set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.request_api_key();
  given text[] := array(select json_object_keys(changes));
  old app.activities;
  changed app.activities;
  shown json;
begin
  select * into old from app.activities a
   where a.id = change_activity_row.id and a.workspace_id = key.workspace_id
     and 'activities:write' = any (key.scopes)
     for no key update;
  if not found then
    perform app_private.raise_activity_not_found(change_activity_row.id);
  end if;
  changed := row(
    old.id, old.workspace_id,
    case when 'type' = any (given) then changes ->> 'type' else old.type end,
    case when 'title' = any (given) then changes ->> 'title' else old.title end,
    case when 'description' = any (given) then changes ->> 'description' else old.description end,
    case when 'contact_id' = any (given) then (changes ->> 'contact_id')::uuid else old.contact_id end,
    case when 'deal_id' = any (given) then (changes ->> 'deal_id')::uuid else old.deal_id end,
    case when 'entity_type' = any (given) then changes ->> 'entity_type' else old.entity_type end,
    case when 'entity_id' = any (given) then changes ->> 'entity_id' else old.entity_id end,
    case when 'entity_name' = any (given) then changes ->> 'entity_name' else old.entity_name end,
    case when 'metadata' = any (given) then nullif((changes -> 'metadata')::jsonb, 'null'::jsonb) else old.metadata end,
    old.created_by_user_id, old.api_key_id, old.created_at
  )::app.activities;
  if (changed.entity_type is null) <> (changed.entity_id is null) then
    perform app_private.raise_invalid('invalid_field',
      case when changed.entity_type is null then 'entity_type' else 'entity_id' end,
      'entity_type and entity_id must be given together.');
  end if;
  shown := app_private.activity_json(changed);
  if shown::text is distinct from app_private.activity_json(old)::text then
    -- A contact or deal outside the workspace fails the composite foreign key, as on create.
    update app.activities a
       set type = changed.type, title = changed.title, description = changed.description,
           contact_id = changed.contact_id, deal_id = changed.deal_id, entity_type = changed.entity_type,
           entity_id = changed.entity_id, entity_name = changed.entity_name, metadata = changed.metadata
     where a.id = old.id;
  end if;
  return case when 'activities:read' = any (key.scopes) then shown end;
end;
$$;
revoke execute on function app_private.change_activity_row(uuid, json) from public;
grant execute on function app_private.change_activity_row(uuid, json) to anon;

-- `changes`: the fields to change, as sent; null clears one (type cannot be cleared).
create function api.update_activity(id uuid default null, changes json default null) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:write');
  invalid text[] := case
    when json_typeof(update_activity.changes) is distinct from 'object' then
      array['invalid_field', '', 'The changes must be a JSON object.']
    when not exists (select from json_object_keys(update_activity.changes)) then
      array['invalid_field', '', 'Send at least one field to change.']
    else app_private.activity_fields_problem(update_activity.changes, false)
  end;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;
  return json_build_object('workspace_id', key.workspace_id,
    'activity', app_private.change_activity_row(update_activity.id, update_activity.changes));
end;
$$;

-- All or nothing: 1 to 100 activities, each the body of POST /v1/activities, checked in order
-- (the first problem names its item: activities[3].metadata), inserted by one statement under
-- RLS, one activity.created per item in order. Items get created_at one microsecond apart in
-- request order, so timelines list a batch in the order it was sent.
create function api.create_activities(activities json default null) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:write');
  invalid text[] := case
    when create_activities.activities is null then
      array['missing_required_field', 'activities', 'activities is required.']
    when json_typeof(create_activities.activities) <> 'array'
         or json_array_length(create_activities.activities) not between 1 and 100 then
      array['invalid_field', 'activities', 'activities must be an array of 1 to 100 activities.']
  end;
  item record;
  problem text[];
  batch app.activities[] := '{}';
  failed_constraint text;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;
  for item in select a.value, a.position - 1 as index
                from json_array_elements(create_activities.activities) with ordinality as a(value, position) loop
    problem := app_private.activity_fields_problem(item.value, true);
    if problem is not null then
      perform app_private.raise_invalid(problem[1],
        format('activities[%s]', item.index) || case when problem[2] = '' then '' else '.' || problem[2] end,
        problem[3]);
    end if;
    batch := batch || row(
      gen_random_uuid(), key.workspace_id, item.value ->> 'type', item.value ->> 'title',
      item.value ->> 'description', (item.value ->> 'contact_id')::uuid, (item.value ->> 'deal_id')::uuid,
      item.value ->> 'entity_type', item.value ->> 'entity_id', item.value ->> 'entity_name',
      nullif((item.value -> 'metadata')::jsonb, 'null'::jsonb), key.user_id, key.key_id,
      now() + item.index * interval '1 microsecond'
    )::app.activities;
  end loop;

  begin
    insert into app.activities (id, workspace_id, type, title, description, contact_id, deal_id,
                                entity_type, entity_id, entity_name, metadata, created_by_user_id,
                                api_key_id, created_at)
    select b.id, b.workspace_id, b.type, b.title, b.description, b.contact_id, b.deal_id,
           b.entity_type, b.entity_id, b.entity_name, b.metadata, b.created_by_user_id,
           b.api_key_id, b.created_at
      from unnest(batch) as b;
  exception when foreign_key_violation then
    -- Which item? Only on this path: insert them one by one until one fails (the failed
    -- statement above was rolled back; a raise below rolls back these too).
    for i in 1 .. cardinality(batch) loop
      begin
        insert into app.activities (id, workspace_id, type, title, description, contact_id, deal_id,
                                    entity_type, entity_id, entity_name, metadata, created_by_user_id,
                                    api_key_id, created_at)
        values (batch[i].id, batch[i].workspace_id, batch[i].type, batch[i].title, batch[i].description,
                batch[i].contact_id, batch[i].deal_id, batch[i].entity_type, batch[i].entity_id,
                batch[i].entity_name, batch[i].metadata, batch[i].created_by_user_id,
                batch[i].api_key_id, batch[i].created_at);
      exception when foreign_key_violation then
        get stacked diagnostics failed_constraint = constraint_name;
        if failed_constraint = 'activities_contact_fkey' then
          raise sqlstate 'PT404' using message = 'contact_not_found', hint = format('activities[%s].contact_id', i - 1),
            detail = format('activities[%s]: the contact does not exist in this workspace.', i - 1);
        end if;
        raise sqlstate 'PT404' using message = 'deal_not_found', hint = format('activities[%s].deal_id', i - 1),
          detail = format('activities[%s]: the deal does not exist in this workspace.', i - 1);
      end;
    end loop;
  end;

  return json_build_object('workspace_id', key.workspace_id, 'activities',
    (select json_agg(app_private.activity_json(batch[i]) order by i) from generate_subscripts(batch, 1) as i));
end;
$$;

revoke execute on function
  api.update_activity(uuid, json),
  api.create_activities(json)
from public;
grant execute on function
  api.update_activity(uuid, json),
  api.create_activities(json)
to anon;
