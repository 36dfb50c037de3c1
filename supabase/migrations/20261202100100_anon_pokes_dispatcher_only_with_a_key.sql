-- `anon` could wake the webhook dispatcher without any key: `select
-- app_private.poke_webhook_dispatcher()` was granted to anon because two api functions, which run
-- as the caller, call it. A poke costs the dispatcher a claim query (and, on Supabase, a pg_net
-- request to the webhook-dispatcher function), so anyone holding the project's anon key could
-- keep both busy. Now anon holds no grant on it. Its other callers run as the owner (the
-- activity trigger, the pg_cron sweep) and are unaffected; the two api functions go through
-- poke_webhook_dispatcher_with_key, which pokes only for a request whose API key may manage
-- webhooks (the same webhooks:write those functions already required).

create function app_private.poke_webhook_dispatcher_with_key() returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  -- key_workspace_with_scope raises invalid_key for a missing or unknown key; a valid key
  -- without the scope resolves to no workspace.
  if (select app_private.key_workspace_with_scope(array['webhooks:write'])) is null then
    raise sqlstate 'PT403' using message = 'insufficient_permissions',
      detail = 'This API key lacks the webhooks:write scope.';
  end if;
  perform app_private.poke_webhook_dispatcher();
end;
$$;
revoke execute on function app_private.poke_webhook_dispatcher_with_key() from public;
grant execute on function app_private.poke_webhook_dispatcher_with_key() to anon;

revoke execute on function app_private.poke_webhook_dispatcher() from anon;

-- The two callers, as 20261127110200_webhook_functions.sql defines them, with only the poke
-- changed. (create or replace keeps their owner and grants.)
create or replace function api.update_webhook_endpoint(
  id uuid,
  url text default null,
  events text[] default null,
  enabled boolean default null,
  description text default null
) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
  normalized text[] := app_private.check_webhook_endpoint_fields(update_webhook_endpoint.url,
    update_webhook_endpoint.events, update_webhook_endpoint.description);
  before app.webhook_endpoints;
  endpoint app.webhook_endpoints;
begin
  select * into before from app.webhook_endpoints e where e.id = update_webhook_endpoint.id for update;
  if not found then
    perform app_private.raise_endpoint_not_found(update_webhook_endpoint.id);
  end if;
  update app.webhook_endpoints e
     set url = coalesce(update_webhook_endpoint.url, e.url),
         events = coalesce(normalized, e.events),
         description = case when update_webhook_endpoint.description is null then e.description
                            else nullif(update_webhook_endpoint.description, '') end,
         enabled = coalesce(update_webhook_endpoint.enabled, e.enabled),
         disabled_reason = case
           when update_webhook_endpoint.enabled is null then e.disabled_reason
           when update_webhook_endpoint.enabled then null
           else coalesce(e.disabled_reason, 'manual') end,
         disabled_at = case
           when update_webhook_endpoint.enabled is null then e.disabled_at
           when update_webhook_endpoint.enabled then null
           else coalesce(e.disabled_at, now()) end,
         failing_since = case when update_webhook_endpoint.enabled then null else e.failing_since end,
         updated_at = now()
   where e.id = update_webhook_endpoint.id
  returning * into endpoint;

  if before.enabled and not endpoint.enabled then
    update app.webhook_deliveries d set next_attempt_at = null
     where d.endpoint_id = endpoint.id and d.status = 'pending' and d.next_attempt_at is not null;
  elsif not before.enabled and endpoint.enabled then
    update app.webhook_deliveries d set next_attempt_at = now()
     where d.endpoint_id = endpoint.id and d.status = 'pending' and d.next_attempt_at is null;
    if found then
      perform app_private.poke_webhook_dispatcher_with_key();
    end if;
  end if;
  return json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint', app_private.webhook_endpoint_json(endpoint));
end;
$$;

create or replace function api.retry_webhook_delivery(endpoint_id uuid, delivery_id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
  delivery record;
  endpoint_enabled boolean;
begin
  select e.enabled into endpoint_enabled from app.webhook_endpoints e where e.id = retry_webhook_delivery.endpoint_id;
  if not found then
    perform app_private.raise_endpoint_not_found(retry_webhook_delivery.endpoint_id, 'endpoint_id');
  end if;
  select d.id, d.status, d.attempt_count, d.next_attempt_at into delivery
    from app.webhook_deliveries d
   where d.id = retry_webhook_delivery.delivery_id and d.endpoint_id = retry_webhook_delivery.endpoint_id
     for update;
  if not found then
    raise sqlstate 'PT404' using message = 'delivery_not_found', hint = 'delivery_id',
      detail = format('No delivery with id del_%s exists for this endpoint.', retry_webhook_delivery.delivery_id);
  end if;
  if not endpoint_enabled then
    raise sqlstate 'PT409' using message = 'webhook_endpoint_disabled', hint = 'endpoint_id',
      detail = 'The endpoint is disabled; enable it (PATCH enabled=true) to resume its deliveries.';
  end if;
  if delivery.status <> 'pending' then
    update app.webhook_deliveries d
       set status = 'pending', attempt_limit = delivery.attempt_count + 1, next_attempt_at = now()
     where d.id = delivery.id;
  elsif delivery.next_attempt_at > now() and not app_private.webhook_delivery_in_flight(delivery.id) then
    update app.webhook_deliveries d set next_attempt_at = now() where d.id = delivery.id;
  end if;
  perform app_private.poke_webhook_dispatcher_with_key();
  return json_build_object('workspace_id', key.workspace_id, 'delivery', app_private.webhook_delivery_json(delivery.id));
end;
$$;
