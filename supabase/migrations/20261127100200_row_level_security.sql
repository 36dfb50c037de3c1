-- Row-level security on every table, and the least privileges the API role needs.
-- The gateway runs each request as `anon` (what PostgREST does with the anon key), so `anon`
-- may touch only rows of the workspace its API key belongs to, and only with the right scope.
-- `authenticated` gets nothing here: this API has no end-user sessions yet.
-- `service_role` bypasses RLS (Supabase's definition) and administers keys through admin.*.

-- New functions are executable by PUBLIC unless revoked, and a per-schema `alter default
-- privileges … revoke` cannot take that away, so every migration revokes explicitly.
revoke execute on all functions in schema app_private from public;

alter table app.workspaces enable row level security;
alter table app.workspace_members enable row level security;
alter table app.contacts enable row level security;
alter table app.deals enable row level security;
alter table app.activities enable row level security;
alter table app.api_keys enable row level security;
-- No policy on workspaces, workspace_members, contacts, deals or api_keys for anon: with RLS on,
-- that is deny-all, and anon holds no privilege on them either. Key hashes are read only by
-- app_private's SECURITY DEFINER helpers.

grant usage on schema app, app_private to anon;
grant execute on function
  app_private.request_api_key(),
  app_private.require_scope(text)
to anon;

-- Contacts and deals: anon holds no privilege and no policy on them. An activity's reference
-- to one is checked by the composite foreign key (same workspace), which needs neither.

-- Activities: write needs activities:write and must be attributed to the key and its user;
-- read needs activities:read. Insert does not use RETURNING, so a write-only key stays write-only.
grant insert (id, workspace_id, type, title, description, contact_id, deal_id, entity_type,
              entity_id, entity_name, metadata, created_by_user_id, api_key_id, created_at)
  on app.activities to anon;
grant select on app.activities to anon;

create policy "keys with activities:write insert into their workspace" on app.activities
  for insert to anon
  with check (
    -- One key lookup per statement: no row (key lacks the scope) makes the check fail.
    (workspace_id, created_by_user_id, api_key_id) = (
      select k.workspace_id, k.user_id, k.key_id
        from app_private.request_api_key() k
       where 'activities:write' = any (k.scopes)
    )
  );

create policy "keys with activities:read read their workspace" on app.activities
  for select to anon
  using (
    workspace_id = (
      select k.workspace_id from app_private.request_api_key() k where 'activities:read' = any (k.scopes)
    )
  );

grant all on all tables in schema app to service_role;
grant usage on schema app to service_role;
