-- Idempotency-Key on the webhook-endpoint POSTs (helpers and semantics: 20261202140500).
--
-- api.create_webhook_endpoint: a retried create must not subscribe the URL twice. The replay is
-- checked before the 20-endpoint limit, so a replay of the create that reached the limit still
-- answers its 201. The stored response holds the endpoint's signing secret, as the first
-- response did (Stripe keeps the whole response too); it lives in a table only the owner reads,
-- next to app.webhook_secrets, and is purged after 24 hours.
--
-- api.rotate_webhook_endpoint_secret: a retried rotation whose first answer was lost would
-- otherwise issue a third secret and retire the one the subscriber still verifies with (the
-- previous secret stays valid only beside the current one). With a key, the retry answers the
-- secret the first rotation issued.
--
-- api.retry_webhook_delivery takes no key: repeating it brings the same delivery forward or, once
-- the first attempt is done, makes one more attempt of the same message (same webhook-id), which
-- at-least-once delivery allows and receivers deduplicate anyway.
--
-- Bodies otherwise as in 20261127110200_webhook_functions.sql and 20261202120100.

create or replace function api.create_webhook_endpoint(url text, events text[], description text default null)
returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
  idempotency_key text := app_private.request_idempotency_key();
  request json;
  replayed json;
  normalized text[];
  endpoint app.webhook_endpoints;
begin
  if create_webhook_endpoint.url is null or create_webhook_endpoint.url = '' then
    perform app_private.raise_invalid('missing_required_field', 'url', 'url is required.');
  end if;
  if create_webhook_endpoint.events is null then
    perform app_private.raise_invalid('missing_required_field', 'events', 'events is required.');
  end if;
  normalized := app_private.check_webhook_endpoint_fields(create_webhook_endpoint.url,
    create_webhook_endpoint.events, create_webhook_endpoint.description);
  if idempotency_key is not null then
    request := json_build_array(create_webhook_endpoint.url, create_webhook_endpoint.events,
                                create_webhook_endpoint.description);
    replayed := app_private.idempotent_replay(idempotency_key, 'create_webhook_endpoint', request);
    if replayed is not null then
      return replayed;
    end if;
  end if;
  -- Each endpoint multiplies every activity's outbox rows; keep the fan-out bounded.
  if (select count(*) from app.webhook_endpoints) >= 20 then
    raise sqlstate 'PT409' using message = 'webhook_endpoint_limit_reached',
      detail = 'A workspace may have at most 20 webhook endpoints; delete one first.';
  end if;
  insert into app.webhook_endpoints (id, workspace_id, url, events, description)
  values (gen_random_uuid(), key.workspace_id, create_webhook_endpoint.url, normalized,
          nullif(create_webhook_endpoint.description, ''))
  returning * into endpoint;
  return app_private.remember_response(idempotency_key, 'create_webhook_endpoint', request,
    json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint',
      app_private.webhook_endpoint_json(endpoint, app_private.issue_webhook_secret(endpoint.id))));
end;
$$;

create or replace function api.rotate_webhook_endpoint_secret(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
  idempotency_key text := app_private.request_idempotency_key();
  request json;
  replayed json;
  endpoint app.webhook_endpoints;
begin
  if idempotency_key is not null then
    request := json_build_array(rotate_webhook_endpoint_secret.id);
    replayed := app_private.idempotent_replay(idempotency_key, 'rotate_webhook_endpoint_secret', request);
    if replayed is not null then
      return replayed;
    end if;
  end if;
  select * into endpoint from app.webhook_endpoints e where e.id = rotate_webhook_endpoint_secret.id for update;
  if not found then
    perform app_private.raise_endpoint_not_found(rotate_webhook_endpoint_secret.id);
  end if;
  return app_private.remember_response(idempotency_key, 'rotate_webhook_endpoint_secret', request,
    json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint',
      app_private.webhook_endpoint_json(endpoint, app_private.issue_webhook_secret(endpoint.id))));
end;
$$;
