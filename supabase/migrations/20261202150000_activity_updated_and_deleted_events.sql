-- activity.updated and activity.deleted (issue 10): webhook endpoints may subscribe to them, and
-- triggers on app.activities queue them in the writing transaction, as activity.created is
-- (20261127110100_webhook_trigger.sql): a rolled-back change queues nothing, a committed one
-- cannot lose its event.
--
-- activity.updated follows Stripe's convention: `data.activity` is the activity after the change
-- and `data.previous_attributes` holds the old values of exactly the fields that changed, as the
-- API shows them. An UPDATE that changes no field the API shows queues nothing.
-- activity.deleted carries the activity as it was.

alter table app.webhook_endpoints drop constraint webhook_endpoints_events_check;
alter table app.webhook_endpoints add constraint webhook_endpoints_events_check check (
  cardinality(events) between 1 and 16
  and events <@ array['*', 'activity.created', 'activity.updated', 'activity.deleted']
);

-- The same rules as 20261127110200_webhook_functions.sql, with the new event types.
create or replace function app_private.check_webhook_endpoint_fields(url text, events text[], description text)
returns text[]
language plpgsql immutable set search_path = ''
as $$
declare
  normalized text[];
begin
  if url is not null and (
       char_length(url) > 2048
       or url !~* '^https?://[^/?#@[:space:]]+([/?][^#[:space:]]*)?$'
     ) then
    perform app_private.raise_invalid('invalid_field', 'url',
      'url must be an absolute http(s) URL of at most 2048 characters, without credentials or fragment.');
  end if;
  if events is not null then
    if cardinality(events) = 0 or cardinality(events) > 16 then
      perform app_private.raise_invalid('invalid_field', 'events', 'events must list 1 to 16 event types.');
    end if;
    if not (events <@ array['*', 'activity.created', 'activity.updated', 'activity.deleted'])
       or array_position(events, null) is not null then
      perform app_private.raise_invalid('invalid_field', 'events',
        'events may contain "activity.created", "activity.updated", "activity.deleted" or "*" (every event type).');
    end if;
    normalized := case when '*' = any (events) then array['*']
                       else array(select distinct x from unnest(events) x order by x) end;
  end if;
  if char_length(description) > 500 then
    perform app_private.raise_invalid('invalid_field', 'description', 'description must be at most 500 characters.');
  end if;
  return normalized;
end;
$$;

-- One event of `event_type` for `workspace_id`, with `data` as its data, and a delivery to each
-- enabled endpoint subscribed to it (or to '*'); then the poke. Runs as the owner, from triggers.
create function app_private.queue_activity_event(workspace_id uuid, event_type text, data json) returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  event_id uuid;
begin
  if not exists (
    select from app.webhook_endpoints e
     where e.workspace_id = queue_activity_event.workspace_id and e.enabled
       and e.events && array[event_type, '*']
  ) then
    return;
  end if;
  event_id := gen_random_uuid();
  insert into app.webhook_events (id, workspace_id, type, payload, created_at)
  values (
    event_id, queue_activity_event.workspace_id, event_type,
    json_build_object(
      'type', event_type,
      'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', data
    )::text,
    now()
  );
  insert into app.webhook_deliveries (workspace_id, endpoint_id, event_id, next_attempt_at)
  select queue_activity_event.workspace_id, e.id, event_id, now()
    from app.webhook_endpoints e
   where e.workspace_id = queue_activity_event.workspace_id and e.enabled
     and e.events && array[event_type, '*'];
  perform app_private.poke_webhook_dispatcher();
end;
$$;
revoke execute on function app_private.queue_activity_event(uuid, text, json) from public;

-- previous_attributes: the fields whose shown value differs, compared as the API shows them
-- (activity_json), so that a change of storage never shows as a change of value.
create function app_private.queue_activity_updated() returns trigger
language plpgsql volatile security definer set search_path = ''
as $$
declare
  shown json := app_private.activity_json(new);
  previous json;
begin
  select json_object_agg(o.key, o.value order by o.position) into previous
    from json_each(app_private.activity_json(old)) with ordinality as o(key, value, position)
    join json_each(shown) as n(key, value) on n.key = o.key
   where o.value::text is distinct from n.value::text;
  if previous is null then
    return null;
  end if;
  perform app_private.queue_activity_event(new.workspace_id, 'activity.updated',
    json_build_object('activity', shown, 'previous_attributes', previous));
  return null;
end;
$$;
revoke execute on function app_private.queue_activity_updated() from public;

-- No WHEN clause: the function compares what the API shows, which needs no equality operator
-- on the stored types (json has none).
create trigger queue_activity_updated
  after update on app.activities
  for each row execute function app_private.queue_activity_updated();

create function app_private.queue_activity_deleted() returns trigger
language plpgsql volatile security definer set search_path = ''
as $$
begin
  perform app_private.queue_activity_event(old.workspace_id, 'activity.deleted',
    json_build_object('activity', app_private.activity_json(old)));
  return null;
end;
$$;
revoke execute on function app_private.queue_activity_deleted() from public;

create trigger queue_activity_deleted
  after delete on app.activities
  for each row execute function app_private.queue_activity_deleted();
