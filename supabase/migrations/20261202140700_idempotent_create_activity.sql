-- Idempotency-Key on api.create_activity (helpers and semantics: 20261202140500): a retried POST
-- /v1/activities with the same key and body answers the first result again and inserts nothing,
-- so the activity.created trigger does not run and no second webhook is queued.
--
-- The function of 20261202140000_activity_fields_exactly.sql, with the pattern of 20261202110000
-- kept: the key from require_scope, the field checks in one expression, one row expression, the
-- insert under RLS without RETURNING. Without an Idempotency-Key the function evaluates three
-- more simple expressions than before (reading the header, two tests of it) and calls no
-- idempotency helper. With one, the checks run first (a refused request stores nothing), then
-- idempotent_replay, and remember_response stores the result in this transaction. The request is
-- fingerprinted over every argument, metadata as compacted (the gateway and PostgREST may
-- differ in insignificant whitespace, never in what is stored or answered).

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
  idempotency_key text := app_private.request_idempotency_key();
  compact json := app_private.compact_json(create_activity.metadata);
  invalid text[] := app_private.activity_field_problem(
    create_activity.type, create_activity.title, create_activity.description, create_activity.entity_type,
    create_activity.entity_id, create_activity.entity_name, compact);
  request json;
  replayed json;
  new_activity app.activities;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;
  if idempotency_key is not null then
    request := json_build_array(create_activity.type, create_activity.title, create_activity.description,
      create_activity.contact_id, create_activity.deal_id, create_activity.entity_type, create_activity.entity_id,
      create_activity.entity_name, compact);
    replayed := app_private.idempotent_replay(idempotency_key, 'create_activity', request);
    if replayed is not null then
      return replayed;
    end if;
  end if;

  -- JSON null metadata is stored as SQL null; entity_id as a lower-case UUID.
  new_activity := row(
    gen_random_uuid(), key.workspace_id, create_activity.type, create_activity.title,
    create_activity.description, create_activity.contact_id, create_activity.deal_id,
    create_activity.entity_type, lower(create_activity.entity_id), create_activity.entity_name,
    case when json_typeof(compact) = 'object' then compact end, key.user_id, key.key_id, now()
  )::app.activities;
  -- No RETURNING: see 20261202110000 (a write-only key stays write-only; the composite foreign
  -- keys report another workspace's contact or deal exactly like a missing one).
  insert into app.activities (id, workspace_id, type, title, description, contact_id, deal_id,
                              entity_type, entity_id, entity_name, metadata, created_by_user_id,
                              api_key_id, created_at)
  values (new_activity.id, new_activity.workspace_id, new_activity.type, new_activity.title,
          new_activity.description, new_activity.contact_id, new_activity.deal_id,
          new_activity.entity_type, new_activity.entity_id, new_activity.entity_name,
          new_activity.metadata, new_activity.created_by_user_id, new_activity.api_key_id,
          new_activity.created_at);

  if idempotency_key is null then
    return json_build_object('workspace_id', key.workspace_id, 'activity', app_private.activity_json(new_activity));
  end if;
  return app_private.remember_response(idempotency_key, 'create_activity', request,
    json_build_object('workspace_id', key.workspace_id, 'activity', app_private.activity_json(new_activity)));
end;
$$;
