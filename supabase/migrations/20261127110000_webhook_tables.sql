-- Webhooks: the endpoints a workspace subscribes, their signing secrets, and the outbox the
-- activity trigger writes (events, one delivery per subscribed endpoint, every attempt).
-- API ids: we_ (endpoint), evt_ (event; also the `webhook-id` header), del_ (delivery).

create table app.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  url text not null check (char_length(url) <= 2048 and url ~ '^https?://'),
  -- Event types, or '*' for all of them.
  events text[] not null check (
    cardinality(events) between 1 and 16 and events <@ array['*', 'activity.created']
  ),
  description text check (char_length(description) <= 500),
  enabled boolean not null default true,
  -- Why a disabled endpoint is disabled: by its owner, by a 410 Gone from the subscriber, or
  -- after failing without a success for too long (5 days by default).
  disabled_reason text check (disabled_reason in ('manual', 'gone', 'failing')),
  disabled_at timestamptz,
  -- Start of the current run of failed attempts; cleared by any success.
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint webhook_endpoints_disabled_reason check (enabled = (disabled_reason is null)),
  unique (workspace_id, id)
);

-- The trigger's probe on every activity insert: "does this workspace have an enabled endpoint?"
create index webhook_endpoints_enabled on app.webhook_endpoints (workspace_id) where enabled;
create index webhook_endpoints_listing on app.webhook_endpoints (workspace_id, created_at desc, id desc);

-- Signing secrets (`whsec_` + base64 of 32 random bytes). Only the dispatcher reads them; the
-- API shows a secret once, when it is created. After a rotation the previous secret keeps
-- signing until expires_at, so a subscriber can switch without dropping a message.
create table app.webhook_secrets (
  id uuid primary key default gen_random_uuid(),
  endpoint_id uuid not null references app.webhook_endpoints (id) on delete cascade,
  secret text not null check (secret ~ '^whsec_[A-Za-z0-9+/]{40,}={0,2}$'),
  created_at timestamptz not null default now(),
  expires_at timestamptz
);

create index webhook_secrets_endpoint on app.webhook_secrets (endpoint_id, created_at desc);

-- One row per event that at least one endpoint subscribed to. `payload` is the exact body sent
-- (and signed) on every attempt, so retries are byte-identical.
create table app.webhook_events (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  type text not null,
  payload text not null,
  created_at timestamptz not null default now()
);

create index webhook_events_workspace on app.webhook_events (workspace_id, created_at desc);

-- One row per (event, endpoint). A pending delivery is due at next_attempt_at; a dispatcher
-- claims it by moving next_attempt_at to the end of a lease and stamping lease_token, so a
-- dispatcher that dies mid-send leaves a row that becomes due again when the lease ends.
-- A pending row whose next_attempt_at is null is parked: its endpoint is disabled.
create table app.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null,
  endpoint_id uuid not null,
  event_id uuid not null references app.webhook_events (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempt_count integer not null default 0,
  -- Set by a manual retry: the delivery gets this many attempts in all, not the whole schedule again.
  attempt_limit integer,
  next_attempt_at timestamptz,
  lease_token uuid,
  leased_at timestamptz,
  last_attempt_at timestamptz,
  last_status_code integer,
  created_at timestamptz not null default now(),
  constraint webhook_deliveries_endpoint_fkey foreign key (workspace_id, endpoint_id)
    references app.webhook_endpoints (workspace_id, id) on delete cascade,
  unique (event_id, endpoint_id)
);

-- What dispatchers claim: due pending rows, oldest first.
create index webhook_deliveries_due on app.webhook_deliveries (next_attempt_at)
  where status = 'pending' and next_attempt_at is not null;
create index webhook_deliveries_listing on app.webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_event on app.webhook_deliveries (event_id);

-- Every attempt, as the subscriber answered it (or why there was no answer).
create table app.webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id uuid not null references app.webhook_deliveries (id) on delete cascade,
  workspace_id uuid not null,
  attempt integer not null,
  attempted_at timestamptz not null,
  status_code integer,
  latency_ms integer,
  error text check (char_length(error) <= 1000)
);

create index webhook_attempts_delivery on app.webhook_attempts (delivery_id, attempt);

-- Where the trigger pokes the dispatcher through pg_net (Supabase): the webhook-dispatcher
-- function's URL and the Authorization header it expects. Set with
-- admin.configure_webhook_dispatcher(); without a row the trigger uses pg_notify.
create table app_private.webhook_dispatcher_settings (
  singleton boolean primary key default true check (singleton),
  url text not null check (url ~ '^https?://'),
  authorization_header text,
  updated_at timestamptz not null default now()
);

-- RLS: anon (the API's role) sees only its key's workspace, reads with webhooks:read or
-- webhooks:write, writes with webhooks:write. Secrets and dispatcher settings: no anon access
-- at all (RLS on, no policy, no grant).
alter table app.webhook_endpoints enable row level security;
alter table app.webhook_secrets enable row level security;
alter table app.webhook_events enable row level security;
alter table app.webhook_deliveries enable row level security;
alter table app.webhook_attempts enable row level security;
alter table app_private.webhook_dispatcher_settings enable row level security;

-- The key's workspace when the key carries one of `scopes`; null (no row visible) otherwise.
create function app_private.key_workspace_with_scope(scopes text[]) returns uuid
language sql stable security definer set search_path = ''
as $$
  select k.workspace_id from app_private.request_api_key() k where k.scopes && key_workspace_with_scope.scopes
$$;
revoke execute on function app_private.key_workspace_with_scope(text[]) from public;
grant execute on function app_private.key_workspace_with_scope(text[]) to anon;

grant select (id, workspace_id, url, events, description, enabled, disabled_reason, disabled_at,
              failing_since, created_at, updated_at),
      insert (id, workspace_id, url, events, description, created_at, updated_at),
      update (url, events, description, enabled, disabled_reason, disabled_at, failing_since, updated_at),
      delete
  on app.webhook_endpoints to anon;

create policy "keys with webhooks:read or webhooks:write see their workspace's endpoints"
  on app.webhook_endpoints for select to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:read', 'webhooks:write'])));
create policy "keys with webhooks:write add endpoints to their workspace"
  on app.webhook_endpoints for insert to anon
  with check (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write'])));
create policy "keys with webhooks:write change their workspace's endpoints"
  on app.webhook_endpoints for update to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write'])))
  with check (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write'])));
create policy "keys with webhooks:write delete their workspace's endpoints"
  on app.webhook_endpoints for delete to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write'])));

grant select (id, workspace_id, type, created_at) on app.webhook_events to anon;
create policy "keys with webhooks:read or webhooks:write see their workspace's events"
  on app.webhook_events for select to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:read', 'webhooks:write'])));

-- Deliveries: read; and a manual retry (webhooks:write) may reschedule one.
grant select (id, workspace_id, endpoint_id, event_id, status, attempt_count, attempt_limit,
              next_attempt_at, last_attempt_at, last_status_code, created_at),
      update (status, attempt_limit, next_attempt_at)
  on app.webhook_deliveries to anon;
create policy "keys with webhooks:read or webhooks:write see their workspace's deliveries"
  on app.webhook_deliveries for select to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:read', 'webhooks:write'])));
create policy "keys with webhooks:write reschedule their workspace's deliveries"
  on app.webhook_deliveries for update to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write'])))
  with check (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write'])));

grant select on app.webhook_attempts to anon;
create policy "keys with webhooks:read or webhooks:write see their workspace's attempts"
  on app.webhook_attempts for select to anon
  using (workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:read', 'webhooks:write'])));

-- service_role (operators, the SQL editor) sees everything, as on the other app tables; the
-- dispatcher itself goes through the SECURITY DEFINER functions of the next migrations.
grant select, insert, update, delete on app.webhook_endpoints, app.webhook_secrets, app.webhook_events,
  app.webhook_deliveries, app.webhook_attempts to service_role;
