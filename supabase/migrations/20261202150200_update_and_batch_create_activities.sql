-- PATCH /v1/activities/{id} (api.update_activity) and POST /v1/activities/batch
-- (api.create_activities). Both take their fields as one JSON object per activity, as the caller
-- sent it: a PATCH must tell an absent field from one sent as null (which clears it), and a
-- batch is one call however many items it has. Each field is checked with the rules and codes
-- of api.create_activity, in the order of its parameters.

-- The first problem of an activity's fields: {code, param, detail}, or null — the rules, codes
-- and order of api.create_activity, from the one place they live
-- (app_private.activity_field_problem, 20261202140000), with contact_id and deal_id in their
-- place in the order: they arrive here as text (api.create_activity's are uuid parameters), so
-- their form is checked too. The fields are read as PostgREST fills api.create_activity's text
-- parameters from JSON (json_to_record: a number sent for title is its text); metadata compact.
-- A PATCH passes type as it will be and null for every other field it does not change (what is
-- stored stays as it is), and the entity pair as it will be.
create function app_private.activity_fields_problem(
  type text, title text, description text, contact_id text, deal_id text, entity_type text,
  entity_id text, entity_name text, metadata json
) returns text[]
language plpgsql immutable set search_path = ''
as $$
begin
  return coalesce(
    app_private.activity_field_problem(type, title, description, null, null, null, null),
    case
      when not (contact_id is null or (octet_length(contact_id) = 36
                                       and translate(contact_id, '0123456789abcdefABCDEF', '') = '----'
                                       and substr(contact_id, 9, 1) || substr(contact_id, 14, 1)
                                           || substr(contact_id, 19, 1) || substr(contact_id, 24, 1) = '----')) then
        array['invalid_field', 'contact_id', 'contact_id must be a UUID.']
      when not (deal_id is null or (octet_length(deal_id) = 36
                                    and translate(deal_id, '0123456789abcdefABCDEF', '') = '----'
                                    and substr(deal_id, 9, 1) || substr(deal_id, 14, 1)
                                        || substr(deal_id, 19, 1) || substr(deal_id, 24, 1) = '----')) then
        array['invalid_field', 'deal_id', 'deal_id must be a UUID.']
    end,
    app_private.activity_field_problem(type, null, null, entity_type, entity_id, entity_name, metadata));
end;
$$;
revoke execute on function app_private.activity_fields_problem(text, text, text, text, text, text, text, text, json) from public;
grant execute on function app_private.activity_fields_problem(text, text, text, text, text, text, text, text, json) to anon;

-- The first field of `fields` (a JSON object) that is not an activity field, or null.
create function app_private.unknown_activity_field(fields json) returns text
language plpgsql immutable set search_path = ''
as $$
begin
  return (select k from json_object_keys(fields) k
           where k <> all (array['type', 'title', 'description', 'contact_id', 'deal_id', 'entity_type', 'entity_id',
                                 'entity_name', 'metadata'])
           limit 1);
end;
$$;
revoke execute on function app_private.unknown_activity_field(json) from public;
grant execute on function app_private.unknown_activity_field(json) to anon;

-- PATCH's row change runs as the owner, confined to the key's workspace by the key itself, for
-- the reason 20261202150100_delete_activity.sql gives (PostgreSQL applies SELECT policies to an
-- UPDATE's WHERE, so a write-only key would find nothing). The fields are checked here, where
-- the stored row tells what the activity will be (entity_type and entity_id together).
-- An update that changes nothing the API shows writes nothing (and so fires no event). Returns
-- the activity as reads return it when the key may read; null for a write-only key, which learns
-- nothing it did not send.
create function app_private.change_activity_row(id uuid, changes json) returns json
language plpgsql volatile security definer set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.request_api_key();
  given text[] := array(select json_object_keys(changes));
  sent record;
  old app.activities;
  changed app.activities;
  problem text[];
  shown json;
begin
  select * into old from app.activities a
   where a.id = change_activity_row.id and a.workspace_id = key.workspace_id
     and 'activities:write' = any (key.scopes)
     for no key update;
  if not found then
    perform app_private.raise_activity_not_found(change_activity_row.id);
  end if;
  select c.type, c.title, c.description, c.contact_id, c.deal_id, c.entity_type, c.entity_id, c.entity_name,
         app_private.compact_json(c.metadata) as metadata
    into sent
    from json_to_record(changes) as c(type text, title text, description text, contact_id text, deal_id text,
                                      entity_type text, entity_id text, entity_name text, metadata json);
  -- The fields sent, with the rules of create; type and the entity pair as they will be (an
  -- entity_id stored before ids had to be UUIDs stands in as a UUID, so keeping it is not refused).
  problem := app_private.activity_fields_problem(
    case when 'type' = any (given) then sent.type else old.type end,
    sent.title, sent.description, sent.contact_id, sent.deal_id,
    case when 'entity_type' = any (given) then sent.entity_type else old.entity_type end,
    case when 'entity_id' = any (given) then sent.entity_id
         when old.entity_id is not null then '00000000-0000-4000-8000-000000000000' end,
    sent.entity_name, sent.metadata);
  if problem is not null then
    perform app_private.raise_invalid(problem[1], problem[2], problem[3]);
  end if;
  changed := row(
    old.id, old.workspace_id,
    case when 'type' = any (given) then sent.type else old.type end,
    case when 'title' = any (given) then sent.title else old.title end,
    case when 'description' = any (given) then sent.description else old.description end,
    case when 'contact_id' = any (given) then sent.contact_id::uuid else old.contact_id end,
    case when 'deal_id' = any (given) then sent.deal_id::uuid else old.deal_id end,
    case when 'entity_type' = any (given) then sent.entity_type else old.entity_type end,
    case when 'entity_id' = any (given) then lower(sent.entity_id) else old.entity_id end,
    case when 'entity_name' = any (given) then sent.entity_name else old.entity_name end,
    case when 'metadata' = any (given) then case when json_typeof(sent.metadata) = 'object' then sent.metadata end
         else old.metadata end,
    old.created_by_user_id, old.api_key_id, old.created_at
  )::app.activities;
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
  unknown text := case when json_typeof(update_activity.changes) = 'object'
                       then app_private.unknown_activity_field(update_activity.changes) end;
  invalid text[] := case
    when json_typeof(update_activity.changes) is distinct from 'object' then
      array['invalid_field', '', 'The changes must be a JSON object.']
    when not exists (select from json_object_keys(update_activity.changes)) then
      array['invalid_field', '', 'Send at least one field to change.']
    -- json_to_record reads a JSON null as SQL null, which below means "not given".
    when json_typeof(update_activity.changes -> 'type') = 'null' then
      array['missing_required_field', 'type', 'type is required; it cannot be cleared.']
    when unknown is not null then
      array['invalid_field', unknown, format('Unknown field "%s".', unknown)]
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
--
-- The happy path is one statement: json_to_recordset reads every item's fields in one pass over
-- the text (as JSON values, so their JSON types can still be checked), the checks run per item,
-- and the insert runs only when every item passed. What is rare is found on its own path:
-- an item that is not an object (json_to_recordset refuses the array), an unknown field, and
-- which item's contact or deal the foreign key refused. Takes an Idempotency-Key as
-- api.create_activity does.
create function api.create_activities(activities json default null) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:write');
  idempotency_key text := app_private.request_idempotency_key();
  invalid text[] := case
    when create_activities.activities is null then
      array['missing_required_field', 'activities', 'activities is required.']
    when json_typeof(create_activities.activities) <> 'array'
         or json_array_length(create_activities.activities) not between 1 and 100 then
      array['invalid_field', 'activities', 'activities must be an array of 1 to 100 activities.']
  end;
  bad_index bigint;
  result json;
  failed_constraint text;
  failed_item record;
  request json;
  replayed json;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;
  -- What json_to_recordset cannot tell: an item that is not an object, a field that is not an
  -- activity's. One statement over all items (a function call per item would cost a query each).
  select a.position - 1,
         case when json_typeof(a.value) <> 'object' then array['invalid_field', '', 'An activity must be a JSON object.']
              else array['invalid_field', k.key, format('Unknown field "%s".', k.key)] end
    into bad_index, invalid
    from json_array_elements(create_activities.activities) with ordinality as a(value, position)
    left join lateral json_object_keys(case when json_typeof(a.value) = 'object' then a.value end) as k(key) on true
   where json_typeof(a.value) <> 'object'
      or k.key <> all (array['type', 'title', 'description', 'contact_id', 'deal_id', 'entity_type', 'entity_id',
                             'entity_name', 'metadata'])
   order by a.position
   limit 1;

  if bad_index is not null then
    perform app_private.raise_invalid(invalid[1],
      format('activities[%s]', bad_index) || case when invalid[2] = '' then '' else '.' || invalid[2] end,
      invalid[3]);
  end if;

  -- Idempotency-Key (20261202140500_idempotency_keys.sql): a stored response is answered again
  -- before anything is written; a new one is stored with the rows, in this transaction.
  if idempotency_key is not null then
    request := json_build_array(create_activities.activities);
    replayed := app_private.idempotent_replay(idempotency_key, 'create_activities', request);
    if replayed is not null then
      return replayed;
    end if;
  end if;

  begin
    with items as materialized (
      select x.position - 1 as index, gen_random_uuid() as id, now() + (x.position - 1) * interval '1 microsecond' as created_at,
             x.type, x.title, x.description, x.contact_id, x.deal_id, x.entity_type, x.entity_id, x.entity_name,
             app_private.compact_json(x.metadata) as metadata
        from rows from (json_to_recordset(create_activities.activities)
                          as (type text, title text, description text, contact_id text, deal_id text, entity_type text,
                              entity_id text, entity_name text, metadata json))
             with ordinality as x(type, title, description, contact_id, deal_id, entity_type, entity_id, entity_name,
                                  metadata, position)
    ), checked as materialized (
      select i.*, app_private.activity_fields_problem(i.type, i.title, i.description, i.contact_id, i.deal_id,
                                                      i.entity_type, i.entity_id, i.entity_name, i.metadata) as problem
        from items i
    ), rows as materialized (
      select i.index, case when i.problem is null then row(
               i.id, key.workspace_id, i.type, i.title, i.description, i.contact_id::uuid, i.deal_id::uuid,
               i.entity_type, lower(i.entity_id), i.entity_name,
               case when json_typeof(i.metadata) = 'object' then i.metadata end, key.user_id, key.key_id, i.created_at
             )::app.activities end as activity,
             i.problem
        from checked i
    ), passed as (
      select bool_and(r.problem is null) as ok from rows r
    ), inserted as (
      insert into app.activities (id, workspace_id, type, title, description, contact_id, deal_id,
                                  entity_type, entity_id, entity_name, metadata, created_by_user_id,
                                  api_key_id, created_at)
      select (r.activity).id, (r.activity).workspace_id, (r.activity).type, (r.activity).title,
             (r.activity).description, (r.activity).contact_id, (r.activity).deal_id, (r.activity).entity_type,
             (r.activity).entity_id, (r.activity).entity_name, (r.activity).metadata, (r.activity).created_by_user_id,
             (r.activity).api_key_id, (r.activity).created_at
        from rows r
       where (select p.ok from passed p)
       order by r.index
    )
    select case when bool_and(r.problem is null) then json_agg(app_private.activity_json(r.activity) order by r.index) end,
           (array_agg(r.index order by r.index) filter (where r.problem is not null))[1]
      into result, bad_index
      from rows r;
  exception when foreign_key_violation then
    -- Which item? Only on this path: insert them one by one until one fails (the failed
    -- statement above was rolled back; the raise below rolls back these too).
    for failed_item in
      select x.position - 1 as index, x.type, x.contact_id, x.deal_id
        from rows from (json_to_recordset(create_activities.activities) as (type text, contact_id uuid, deal_id uuid))
             with ordinality as x(type, contact_id, deal_id, position)
       order by x.position
    loop
      bad_index := failed_item.index;
      begin
        insert into app.activities (workspace_id, type, contact_id, deal_id, created_by_user_id, api_key_id)
        values (key.workspace_id, failed_item.type, failed_item.contact_id, failed_item.deal_id, key.user_id, key.key_id);
      exception when foreign_key_violation then
        get stacked diagnostics failed_constraint = constraint_name;
        if failed_constraint = 'activities_contact_fkey' then
          raise sqlstate 'PT404' using message = 'contact_not_found', hint = format('activities[%s].contact_id', bad_index),
            detail = format('activities[%s]: the contact does not exist in this workspace.', bad_index);
        end if;
        raise sqlstate 'PT404' using message = 'deal_not_found', hint = format('activities[%s].deal_id', bad_index),
          detail = format('activities[%s]: the deal does not exist in this workspace.', bad_index);
      end;
    end loop;
    raise;  -- no single item fails alone (a concurrent change): report the violation as it came
  end;

  if bad_index is not null then
    select app_private.activity_fields_problem(x.type, x.title, x.description, x.contact_id, x.deal_id, x.entity_type,
                                                 x.entity_id, x.entity_name, app_private.compact_json(x.metadata))
        into invalid
        from json_to_record(create_activities.activities -> bad_index::int)
             as x(type text, title text, description text, contact_id text, deal_id text, entity_type text,
                  entity_id text, entity_name text, metadata json);
    perform app_private.raise_invalid(invalid[1],
      format('activities[%s]', bad_index) || case when invalid[2] = '' then '' else '.' || invalid[2] end,
      invalid[3]);
  end if;
  if idempotency_key is null then
    return json_build_object('workspace_id', key.workspace_id, 'activities', result);
  end if;
  return app_private.remember_response(idempotency_key, 'create_activities', request,
    json_build_object('workspace_id', key.workspace_id, 'activities', result));
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
