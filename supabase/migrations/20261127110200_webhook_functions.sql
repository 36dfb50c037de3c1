-- Webhook endpoint management (api.*, SECURITY INVOKER under RLS, one call per request, PTnnn
-- errors whose message is the API error code and whose hint names the parameter) and the
-- dispatcher's claim/record functions (app_private, SECURITY DEFINER, service_role only).

grant usage on schema app_private to service_role;
grant execute on function app_private.poke_webhook_dispatcher() to anon, service_role;

-- Timestamps as the API shows them (UTC, to the second), like activities' created_date.
create function app_private.api_timestamp(ts timestamptz) returns text
language sql immutable set search_path = ''
as $$ select to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
revoke execute on function app_private.api_timestamp(timestamptz) from public;
grant execute on function app_private.api_timestamp(timestamptz) to anon, service_role;

-- The endpoint as the API shows it; `secret` only in the responses that create one.
create function app_private.webhook_endpoint_json(e app.webhook_endpoints, secret text default null)
returns json
language plpgsql stable set search_path = ''
as $$
begin
  if secret is null then
    return json_build_object(
      'id', 'we_' || e.id, 'url', e.url, 'events', e.events, 'enabled', e.enabled,
      'disabled_reason', e.disabled_reason, 'description', e.description,
      'created_date', app_private.api_timestamp(e.created_at));
  end if;
  return json_build_object(
    'id', 'we_' || e.id, 'url', e.url, 'events', e.events, 'enabled', e.enabled,
    'disabled_reason', e.disabled_reason, 'description', e.description, 'secret', secret,
    'created_date', app_private.api_timestamp(e.created_at));
end;
$$;
revoke execute on function app_private.webhook_endpoint_json(app.webhook_endpoints, text) from public;
grant execute on function app_private.webhook_endpoint_json(app.webhook_endpoints, text) to anon;

-- Field rules the gateway also applies (it adds the address checks, which need DNS); repeated
-- here because PostgREST exposes api.* to anyone holding the project's anon key.
create function app_private.check_webhook_endpoint_fields(url text, events text[], description text)
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
    if not (events <@ array['*', 'activity.created']) or array_position(events, null) is not null then
      perform app_private.raise_invalid('invalid_field', 'events',
        'events may contain "activity.created" or "*" (every event type).');
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
revoke execute on function app_private.check_webhook_endpoint_fields(text, text[], text) from public;
grant execute on function app_private.check_webhook_endpoint_fields(text, text[], text) to anon;

create function app_private.raise_endpoint_not_found(id uuid, param text default 'id') returns void
language plpgsql volatile set search_path = ''
as $$
begin
  raise sqlstate 'PT404' using message = 'webhook_endpoint_not_found', hint = param,
    detail = format('No webhook endpoint with id we_%s exists in this workspace.', id);
end;
$$;
revoke execute on function app_private.raise_endpoint_not_found(uuid, text) from public;
grant execute on function app_private.raise_endpoint_not_found(uuid, text) to anon;

-- A new signing secret for an endpoint of the caller's workspace (webhooks:write). The
-- previous current secret keeps signing for 24 hours; older ones stop now. Secrets are
-- invisible to anon, hence SECURITY DEFINER with its own workspace check.
create function app_private.issue_webhook_secret(endpoint_id uuid) returns text
language plpgsql volatile security definer set search_path = ''
as $$
declare
  new_secret text := 'whsec_' || encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64');
begin
  if not exists (
    select from app.webhook_endpoints e
     where e.id = issue_webhook_secret.endpoint_id
       and e.workspace_id = app_private.key_workspace_with_scope(array['webhooks:write'])
  ) then
    perform app_private.raise_endpoint_not_found(issue_webhook_secret.endpoint_id);
  end if;
  update app.webhook_secrets s
     set expires_at = case when s.expires_at is null then now() + interval '24 hours' else now() end
   where s.endpoint_id = issue_webhook_secret.endpoint_id and (s.expires_at is null or s.expires_at > now());
  insert into app.webhook_secrets (endpoint_id, secret) values (issue_webhook_secret.endpoint_id, new_secret);
  return new_secret;
end;
$$;
revoke execute on function app_private.issue_webhook_secret(uuid) from public;
grant execute on function app_private.issue_webhook_secret(uuid) to anon;

create function api.create_webhook_endpoint(url text, events text[], description text default null)
returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
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
  -- Each endpoint multiplies every activity's outbox rows; keep the fan-out bounded.
  if (select count(*) from app.webhook_endpoints) >= 20 then
    raise sqlstate 'PT409' using message = 'webhook_endpoint_limit_reached',
      detail = 'A workspace may have at most 20 webhook endpoints; delete one first.';
  end if;
  insert into app.webhook_endpoints (id, workspace_id, url, events, description)
  values (gen_random_uuid(), key.workspace_id, create_webhook_endpoint.url, normalized,
          nullif(create_webhook_endpoint.description, ''))
  returning * into endpoint;
  return json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint',
    app_private.webhook_endpoint_json(endpoint, app_private.issue_webhook_secret(endpoint.id)));
end;
$$;

-- Newest first; `starting_after` is the last id of the previous page.
create function api.list_webhook_endpoints(max_results integer default 20, starting_after uuid default null)
returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:read');
  cursor_at timestamptz;
  page json;
  has_more boolean;
begin
  if max_results is null or max_results < 1 or max_results > 100 then
    perform app_private.raise_invalid('invalid_field', 'limit', 'limit must be between 1 and 100.');
  end if;
  if starting_after is not null then
    select e.created_at into cursor_at from app.webhook_endpoints e where e.id = starting_after;
    if not found then
      perform app_private.raise_endpoint_not_found(starting_after, 'starting_after');
    end if;
  end if;
  with rows as (
    select e from app.webhook_endpoints e
     where starting_after is null or (e.created_at, e.id) < (cursor_at, starting_after)
     order by e.created_at desc, e.id desc
     limit max_results + 1
  ), numbered as (
    select r.e, row_number() over () as n from rows r
  )
  select coalesce(json_agg(app_private.webhook_endpoint_json(x.e) order by x.n) filter (where x.n <= max_results), '[]'),
         count(*) > max_results
    into page, has_more
    from numbered x;
  return json_build_object('workspace_id', key.workspace_id, 'webhook_endpoints', page, 'has_more', has_more);
end;
$$;

create function api.get_webhook_endpoint(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:read');
  endpoint app.webhook_endpoints;
begin
  select * into endpoint from app.webhook_endpoints e where e.id = get_webhook_endpoint.id;
  if not found then
    perform app_private.raise_endpoint_not_found(get_webhook_endpoint.id);
  end if;
  return json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint', app_private.webhook_endpoint_json(endpoint));
end;
$$;

-- PATCH: a null argument leaves the field as it is; description '' clears it. Disabling parks
-- the endpoint's pending deliveries; enabling resumes them at once and clears the failure state.
create function api.update_webhook_endpoint(
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
      perform app_private.poke_webhook_dispatcher();
    end if;
  end if;
  return json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint', app_private.webhook_endpoint_json(endpoint));
end;
$$;

-- Deletes the endpoint with its secrets, deliveries and attempts; events stay for other endpoints.
create function api.delete_webhook_endpoint(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
begin
  delete from app.webhook_endpoints e where e.id = delete_webhook_endpoint.id;
  if not found then
    perform app_private.raise_endpoint_not_found(delete_webhook_endpoint.id);
  end if;
  return json_build_object('workspace_id', key.workspace_id,
    'webhook_endpoint', json_build_object('id', 'we_' || delete_webhook_endpoint.id, 'deleted', true));
end;
$$;

create function api.rotate_webhook_endpoint_secret(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:write');
  endpoint app.webhook_endpoints;
begin
  select * into endpoint from app.webhook_endpoints e where e.id = rotate_webhook_endpoint_secret.id for update;
  if not found then
    perform app_private.raise_endpoint_not_found(rotate_webhook_endpoint_secret.id);
  end if;
  return json_build_object('workspace_id', key.workspace_id, 'webhook_endpoint',
    app_private.webhook_endpoint_json(endpoint, app_private.issue_webhook_secret(endpoint.id)));
end;
$$;

-- A delivery as the API shows it, with every attempt.
create function app_private.webhook_delivery_json(delivery_id uuid) returns json
language sql stable set search_path = ''
as $$
  select json_build_object(
    'id', 'del_' || d.id,
    'endpoint_id', 'we_' || d.endpoint_id,
    'event_id', 'evt_' || d.event_id,
    'event_type', ev.type,
    'status', d.status,
    'attempt_count', d.attempt_count,
    'next_attempt_date', case when d.status = 'pending' then app_private.api_timestamp(d.next_attempt_at) end,
    'created_date', app_private.api_timestamp(d.created_at),
    'attempts', coalesce((
      select json_agg(json_build_object(
               'attempt', a.attempt,
               'date', app_private.api_timestamp(a.attempted_at),
               'status_code', a.status_code,
               'latency_ms', a.latency_ms,
               'error', a.error) order by a.attempt, a.id)
        from app.webhook_attempts a where a.delivery_id = d.id
    ), '[]'))
    from app.webhook_deliveries d
    join app.webhook_events ev on ev.id = d.event_id
   where d.id = delivery_id
$$;
revoke execute on function app_private.webhook_delivery_json(uuid) from public;
grant execute on function app_private.webhook_delivery_json(uuid) to anon;

create function api.list_webhook_deliveries(
  endpoint_id uuid,
  max_results integer default 20,
  starting_after uuid default null
) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('webhooks:read');
  cursor_at timestamptz;
  page json;
  has_more boolean;
begin
  if max_results is null or max_results < 1 or max_results > 100 then
    perform app_private.raise_invalid('invalid_field', 'limit', 'limit must be between 1 and 100.');
  end if;
  if not exists (select from app.webhook_endpoints e where e.id = list_webhook_deliveries.endpoint_id) then
    perform app_private.raise_endpoint_not_found(list_webhook_deliveries.endpoint_id);
  end if;
  if starting_after is not null then
    select d.created_at into cursor_at from app.webhook_deliveries d
     where d.id = starting_after and d.endpoint_id = list_webhook_deliveries.endpoint_id;
    if not found then
      raise sqlstate 'PT404' using message = 'delivery_not_found', hint = 'starting_after',
        detail = format('No delivery with id del_%s exists for this endpoint.', starting_after);
    end if;
  end if;
  with rows as (
    select d.id, row_number() over (order by d.created_at desc, d.id desc) as n
      from app.webhook_deliveries d
     where d.endpoint_id = list_webhook_deliveries.endpoint_id
       and (starting_after is null or (d.created_at, d.id) < (cursor_at, starting_after))
     order by d.created_at desc, d.id desc
     limit max_results + 1
  )
  select coalesce(json_agg(app_private.webhook_delivery_json(r.id) order by r.n) filter (where r.n <= max_results), '[]'),
         count(*) > max_results
    into page, has_more
    from rows r;
  return json_build_object('workspace_id', key.workspace_id, 'deliveries', page, 'has_more', has_more);
end;
$$;

-- Whether a dispatcher holds the delivery's lease right now (lease columns are not anon's).
create function app_private.webhook_delivery_in_flight(delivery_id uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select from app.webhook_deliveries d
     where d.id = delivery_id and d.lease_token is not null and d.next_attempt_at > now()
       and d.workspace_id = app_private.key_workspace_with_scope(array['webhooks:write'])
  )
$$;
revoke execute on function app_private.webhook_delivery_in_flight(uuid) from public;
grant execute on function app_private.webhook_delivery_in_flight(uuid) to anon;

-- Manual retry: a finished delivery (succeeded or failed) gets one more attempt now; a pending
-- one waiting for its next attempt is brought forward; one being sent right now is left alone.
create function api.retry_webhook_delivery(endpoint_id uuid, delivery_id uuid) returns json
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
  perform app_private.poke_webhook_dispatcher();
  return json_build_object('workspace_id', key.workspace_id, 'delivery', app_private.webhook_delivery_json(delivery.id));
end;
$$;

-- Explicitly: a per-schema ALTER DEFAULT PRIVILEGES cannot take away PUBLIC's built-in EXECUTE.
revoke execute on function
  api.create_webhook_endpoint(text, text[], text),
  api.list_webhook_endpoints(integer, uuid),
  api.get_webhook_endpoint(uuid),
  api.update_webhook_endpoint(uuid, text, text[], boolean, text),
  api.delete_webhook_endpoint(uuid),
  api.rotate_webhook_endpoint_secret(uuid),
  api.list_webhook_deliveries(uuid, integer, uuid),
  api.retry_webhook_delivery(uuid, uuid)
from public;
grant execute on function
  api.create_webhook_endpoint(text, text[], text),
  api.list_webhook_endpoints(integer, uuid),
  api.get_webhook_endpoint(uuid),
  api.update_webhook_endpoint(uuid, text, text[], boolean, text),
  api.delete_webhook_endpoint(uuid),
  api.rotate_webhook_endpoint_secret(uuid),
  api.list_webhook_deliveries(uuid, integer, uuid),
  api.retry_webhook_delivery(uuid, uuid)
to anon;

-- ---------------------------------------------------------------------------------------------
-- The dispatcher's side. Claim: lock up to max_count due deliveries (SKIP LOCKED, so concurrent
-- dispatchers take disjoint rows), count the attempt, and lease each row until now + lease_ms by
-- moving next_attempt_at there, under a fresh lease_token. The claim commits at once: nothing
-- stays locked while HTTP requests run. A row claimed again after its lease ran out had an
-- attempt without a recorded result (its dispatcher died); that attempt is written down as such.
create function app_private.claim_webhook_deliveries(max_count integer, lease_ms integer)
returns table (delivery_id uuid, event_id uuid, endpoint_id uuid, url text, payload text,
               secrets text[], attempt integer, attempt_limit integer, lease_token uuid)
language plpgsql volatile security definer set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  -- Two lanes: half the batch from the oldest due deliveries (a backlog drains), half from the
  -- newest (a burst of thousands never holds back what was written a moment ago).
  with oldest as (
    select d.id, d.workspace_id, d.attempt_count, d.leased_at
      from app.webhook_deliveries d
     where d.status = 'pending' and d.next_attempt_at <= now()
     order by d.next_attempt_at
     limit (max_count + 1) / 2
       for update skip locked
  ), newest as (
    select d.id, d.workspace_id, d.attempt_count, d.leased_at
      from app.webhook_deliveries d
     where d.status = 'pending' and d.next_attempt_at <= now()
       and d.id not in (select oldest.id from oldest)
     order by d.next_attempt_at desc
     limit max_count / 2
       for update skip locked
  ), due as (
    select * from oldest union all select * from newest
  ), lost as (
    insert into app.webhook_attempts (delivery_id, workspace_id, attempt, attempted_at, error)
    select due.id, due.workspace_id, due.attempt_count, due.leased_at,
           'No result recorded: the dispatcher stopped during this attempt; retried after its lease ended.'
      from due
     where due.leased_at is not null
  ), claimed as (
    update app.webhook_deliveries d
       set attempt_count = d.attempt_count + 1,
           next_attempt_at = now() + claim_webhook_deliveries.lease_ms * interval '1 millisecond',
           lease_token = gen_random_uuid(),
           leased_at = now()
      from due
     where d.id = due.id
    returning d.id, d.event_id, d.endpoint_id, d.attempt_count, d.attempt_limit, d.lease_token
  )
  select c.id, c.event_id, c.endpoint_id, e.url, ev.payload,
         array(select s.secret from app.webhook_secrets s
                where s.endpoint_id = c.endpoint_id and (s.expires_at is null or s.expires_at > now())
                order by s.created_at desc),
         c.attempt_count, c.attempt_limit, c.lease_token
    from claimed c
    join app.webhook_endpoints e on e.id = c.endpoint_id
    join app.webhook_events ev on ev.id = c.event_id;
end;
$$;

-- Record: results is a JSON array of {delivery_id, lease_token, attempted_at, status_code,
-- latency_ms, error, outcome: succeeded|retry|failed|gone, retry_in_ms}. A result whose lease
-- was taken over (its dispatcher was too slow) is ignored. Failures start or continue the
-- endpoint's failing streak, a success ends it; a streak older than disable_after_ms, or a
-- 410 Gone, disables the endpoint and parks its pending deliveries. Returns how many results
-- were recorded.
create function app_private.record_webhook_attempts(results jsonb, disable_after_ms bigint)
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  recorded integer;
  ok_ids uuid[];
  failed_ids uuid[];
  gone_ids uuid[];
begin
  with input as (
    select r.* from jsonb_to_recordset(results) as r(
      delivery_id uuid, lease_token uuid, attempted_at timestamptz, status_code integer,
      latency_ms integer, error text, outcome text, retry_in_ms bigint)
  ), locked as (
    select d.id, d.workspace_id, d.endpoint_id, d.attempt_count, i.attempted_at, i.status_code,
           i.latency_ms, i.error, i.outcome, i.retry_in_ms
      from app.webhook_deliveries d
      join input i on i.delivery_id = d.id and i.lease_token = d.lease_token
     order by d.id
       for update of d
  ), attempts as (
    insert into app.webhook_attempts (delivery_id, workspace_id, attempt, attempted_at, status_code, latency_ms, error)
    select l.id, l.workspace_id, l.attempt_count, l.attempted_at, l.status_code, l.latency_ms, left(l.error, 1000)
      from locked l
  ), updated as (
    update app.webhook_deliveries d
       set status = case l.outcome when 'succeeded' then 'succeeded' when 'retry' then 'pending' else 'failed' end,
           next_attempt_at = case when l.outcome = 'retry'
                                  then now() + greatest(l.retry_in_ms, 0) * interval '1 millisecond' end,
           lease_token = null,
           leased_at = null,
           last_attempt_at = l.attempted_at,
           last_status_code = l.status_code
      from locked l
     where d.id = l.id
    returning d.endpoint_id, l.outcome
  )
  select count(*)::integer,
         coalesce(array_agg(distinct u.endpoint_id) filter (where u.outcome = 'succeeded'), '{}'),
         coalesce(array_agg(distinct u.endpoint_id) filter (where u.outcome in ('retry', 'failed')), '{}'),
         coalesce(array_agg(distinct u.endpoint_id) filter (where u.outcome = 'gone'), '{}')
    into recorded, ok_ids, failed_ids, gone_ids
    from updated u;

  -- Endpoint state changes only when it actually changes, so a healthy endpoint's row is not
  -- rewritten on every delivery.
  if cardinality(ok_ids) > 0 then
    update app.webhook_endpoints e set failing_since = null
     where e.id = any (ok_ids) and e.failing_since is not null;
  end if;
  if cardinality(failed_ids) > 0 then
    update app.webhook_endpoints e set failing_since = now()
     where e.id = any (failed_ids) and not e.id = any (ok_ids) and e.failing_since is null;
    update app.webhook_endpoints e
       set enabled = false, disabled_reason = 'failing', disabled_at = now(), updated_at = now()
     where e.id = any (failed_ids) and e.enabled
       and e.failing_since <= now() - disable_after_ms * interval '1 millisecond';
  end if;
  if cardinality(gone_ids) > 0 then
    update app.webhook_endpoints e
       set enabled = false, disabled_reason = 'gone', disabled_at = now(), updated_at = now()
     where e.id = any (gone_ids) and e.enabled;
  end if;
  if cardinality(failed_ids) + cardinality(gone_ids) > 0 then
    update app.webhook_deliveries d set next_attempt_at = null
     where d.endpoint_id in (select e.id from app.webhook_endpoints e
                              where e.id = any (failed_ids || gone_ids) and not e.enabled)
       and d.status = 'pending' and d.next_attempt_at is not null and d.lease_token is null;
  end if;
  return recorded;
end;
$$;

-- For sweeps where no process listens (pg_cron on Supabase): poke the dispatcher when
-- something is due. Returns whether it poked.
create function app_private.sweep_webhook_deliveries() returns boolean
language plpgsql volatile security definer set search_path = ''
as $$
begin
  if exists (select from app.webhook_deliveries d
              where d.status = 'pending' and d.next_attempt_at <= now()) then
    perform app_private.poke_webhook_dispatcher();
    return true;
  end if;
  return false;
end;
$$;

-- Housekeeping: finished deliveries (and events nobody still waits for) older than `older_than`.
create function app_private.prune_webhook_outbox(older_than interval default interval '30 days')
returns integer
language plpgsql volatile security definer set search_path = ''
as $$
declare
  removed integer;
begin
  delete from app.webhook_deliveries d
   where d.status <> 'pending' and d.created_at < now() - older_than;
  delete from app.webhook_events ev
   where ev.created_at < now() - older_than
     and not exists (select from app.webhook_deliveries d where d.event_id = ev.id);
  get diagnostics removed = row_count;
  return removed;
end;
$$;

revoke execute on function
  app_private.claim_webhook_deliveries(integer, integer),
  app_private.record_webhook_attempts(jsonb, bigint),
  app_private.sweep_webhook_deliveries(),
  app_private.prune_webhook_outbox(interval)
from public;
grant execute on function
  app_private.claim_webhook_deliveries(integer, integer),
  app_private.record_webhook_attempts(jsonb, bigint),
  app_private.sweep_webhook_deliveries(),
  app_private.prune_webhook_outbox(interval)
to service_role;
