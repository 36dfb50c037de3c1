-- activity.created: an AFTER INSERT trigger on app.activities writes the event and one delivery
-- per subscribed, enabled endpoint into the outbox, in the writing transaction (a rolled-back
-- write leaves nothing), then pokes the dispatcher once per transaction. It runs on every
-- activity insert, so the common case — a workspace without endpoints — costs one index probe.

-- The poke: pg_net's net.http_post to the webhook-dispatcher function where pg_net exists and
-- admin.configure_webhook_dispatcher() has said where it runs (Supabase); pg_notify otherwise
-- (the Node runner listens). Both act at commit only. Losing a poke loses nothing: the sweep
-- (pg_cron on Supabase, a timer in the Node runner) finds every due delivery.
create function app_private.poke_webhook_dispatcher() returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  target app_private.webhook_dispatcher_settings;
begin
  -- Once per transaction: the setting is transaction-local.
  if current_setting('webhooks.dispatcher_poked', true) = 'on' then
    return;
  end if;
  perform set_config('webhooks.dispatcher_poked', 'on', true);
  if to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is not null then
    select * into target from app_private.webhook_dispatcher_settings;
    if found then
      perform net.http_post(
        url := target.url,
        body := '{"reason":"activity"}'::jsonb,
        params := '{}'::jsonb,
        headers := jsonb_strip_nulls(jsonb_build_object(
          'Content-Type', 'application/json',
          'Authorization', target.authorization_header
        )),
        timeout_milliseconds := 5000
      );
      return;
    end if;
  end if;
  perform pg_notify('webhook_deliveries', '');
end;
$$;
revoke execute on function app_private.poke_webhook_dispatcher() from public;

create function app_private.queue_activity_created() returns trigger
language plpgsql volatile security definer set search_path = ''
as $$
declare
  event_id uuid;
begin
  if not exists (
    select from app.webhook_endpoints e
     where e.workspace_id = new.workspace_id and e.enabled
       and e.events && array['activity.created', '*']
  ) then
    return null;
  end if;

  event_id := gen_random_uuid();
  insert into app.webhook_events (id, workspace_id, type, payload, created_at)
  values (
    event_id, new.workspace_id, 'activity.created',
    json_build_object(
      'type', 'activity.created',
      'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', json_build_object('activity', app_private.activity_json(new))
    )::text,
    now()
  );
  insert into app.webhook_deliveries (workspace_id, endpoint_id, event_id, next_attempt_at)
  select new.workspace_id, e.id, event_id, now()
    from app.webhook_endpoints e
   where e.workspace_id = new.workspace_id and e.enabled
     and e.events && array['activity.created', '*'];
  perform app_private.poke_webhook_dispatcher();
  return null;
end;
$$;
revoke execute on function app_private.queue_activity_created() from public;

create trigger queue_activity_created
  after insert on app.activities
  for each row execute function app_private.queue_activity_created();

-- Operators say where the webhook-dispatcher function runs and what Authorization header it
-- expects (e.g. 'Bearer ' || the WEBHOOK_DISPATCHER_SECRET it was deployed with); null url
-- removes the setting, and the trigger falls back to pg_notify.
create function admin.configure_webhook_dispatcher(url text, authorization_header text default null)
returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  if configure_webhook_dispatcher.url is null then
    delete from app_private.webhook_dispatcher_settings;
    return;
  end if;
  insert into app_private.webhook_dispatcher_settings (url, authorization_header)
  values (configure_webhook_dispatcher.url, configure_webhook_dispatcher.authorization_header)
  on conflict (singleton) do update
    set url = excluded.url, authorization_header = excluded.authorization_header, updated_at = now();
end;
$$;
revoke execute on function admin.configure_webhook_dispatcher(text, text) from public;
grant execute on function admin.configure_webhook_dispatcher(text, text) to service_role;
