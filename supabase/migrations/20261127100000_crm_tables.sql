-- The CRM's own data: workspaces (tenants), their members, contacts, deals and the activity
-- timeline. Tables live in `app`, a schema PostgREST never exposes; callers reach them only
-- through the functions in `api`, and row-level security (next migrations) decides which rows.

create schema app;
comment on schema app is 'CRM tables. Not exposed through PostgREST; reached through api.* functions under RLS.';

create table app.workspaces (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 200),
  created_at timestamptz not null default now()
);

-- Users are whoever the product's auth knows (auth.users on Supabase); membership is what the
-- API needs: an API key acts as one member of one workspace.
create table app.workspace_members (
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  user_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, user_id)
);

create table app.contacts (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  name text check (char_length(name) <= 500),
  email text check (char_length(email) <= 320),
  created_at timestamptz not null default now(),
  -- Target of the activities' composite foreign key, which keeps references inside a workspace.
  unique (workspace_id, id)
);

create table app.deals (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  name text check (char_length(name) <= 500),
  created_at timestamptz not null default now(),
  unique (workspace_id, id)
);

create table app.activities (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  type text not null check (type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  title text check (char_length(title) <= 500),
  description text check (char_length(description) <= 65536),
  contact_id uuid,
  deal_id uuid,
  entity_type text check (entity_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  entity_id text check (char_length(entity_id) between 1 and 255),
  entity_name text check (char_length(entity_name) <= 500),
  metadata jsonb check (jsonb_typeof(metadata) = 'object'),
  created_by_user_id uuid not null,
  api_key_id uuid,
  created_at timestamptz not null default now(),
  -- A contact or deal of another workspace cannot be referenced, whatever the code above does.
  -- Deleting one keeps the activity on the other timelines and only clears the link.
  constraint activities_contact_fkey foreign key (workspace_id, contact_id)
    references app.contacts (workspace_id, id) on delete set null (contact_id),
  constraint activities_deal_fkey foreign key (workspace_id, deal_id)
    references app.deals (workspace_id, id) on delete set null (deal_id),
  constraint activities_entity_complete check ((entity_type is null) = (entity_id is null))
);

comment on column app.activities.created_at is
  'Full precision; the API shows it as created_date truncated to the second, in UTC.';

-- Timelines: newest first per contact, per deal and per workspace.
create index activities_contact_timeline on app.activities (contact_id, created_at desc)
  where contact_id is not null;
create index activities_deal_timeline on app.activities (deal_id, created_at desc)
  where deal_id is not null;
create index activities_workspace_timeline on app.activities (workspace_id, created_at desc);
