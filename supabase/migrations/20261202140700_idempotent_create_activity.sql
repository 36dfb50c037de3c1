-- Idempotency-Key on api.create_activity (helpers and semantics: 20261202140500): a retried POST
-- /v1/activities with the same key and body answers the first result again and inserts nothing,
-- so the activity.created trigger does not run and no second webhook is queued.
--
-- The pattern of 20261202110000 kept: the key from require_scope, the input checks as before,
-- one row expression, the insert under RLS without RETURNING. Without an Idempotency-Key the
-- function evaluates three more simple expressions than before (reading the header, two tests of
-- it) and calls no idempotency helper. With one, the checks run first (a refused request stores
-- nothing), then idempotent_replay, and the result is stored by remember_response in this
-- transaction. The request is fingerprinted over every argument.

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
      create_activity.entity_name, create_activity.metadata);
    replayed := app_private.idempotent_replay(idempotency_key, 'create_activity', request);
    if replayed is not null then
      return replayed;
    end if;
  end if;

  -- JSON null metadata is stored as SQL null.
  new_activity := row(
    gen_random_uuid(), key.workspace_id, create_activity.type, create_activity.title,
    create_activity.description, create_activity.contact_id, create_activity.deal_id,
    create_activity.entity_type, create_activity.entity_id, create_activity.entity_name,
    nullif(create_activity.metadata::jsonb, 'null'::jsonb), key.user_id, key.key_id, now()
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
