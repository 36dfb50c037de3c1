-- Demo workspace whose user, contact and deal carry the ids of the public doc's example, so the
-- doc's request works verbatim. Idempotent. The demo API key is not here (keys are secrets):
-- `npm start` creates it, or run: select admin.create_api_key(array['activities:write','activities:read'],
-- 'd0c5e000-0000-4000-8000-000000000001', '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d', 'demo');
insert into app.workspaces (id, name)
values ('d0c5e000-0000-4000-8000-000000000001', 'Demo workspace')
on conflict (id) do nothing;

insert into app.workspace_members (workspace_id, user_id)
values ('d0c5e000-0000-4000-8000-000000000001', '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d')
on conflict do nothing;

insert into app.contacts (id, workspace_id, name, email)
values ('123e4567-e89b-12d3-a456-426614174000', 'd0c5e000-0000-4000-8000-000000000001',
        'Jane Doe', 'jane@example.com')
on conflict (id) do nothing;

insert into app.deals (id, workspace_id, name)
values ('3f8e1d2c-4b5a-6d7e-8f9a-0b1c2d3e4f5a', 'd0c5e000-0000-4000-8000-000000000001',
        'Q2 outsourcing')
on conflict (id) do nothing;
