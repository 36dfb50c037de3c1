-- The indexes the timeline reads page through (api.list_activities, next migration). Pages are
-- ordered by (created_at, id) descending, so each index ends in (created_at, id): a page is read
-- by walking one index backwards from the cursor and stops after `limit` rows, whatever the
-- size of the timeline — no sort of the contact's (deal's, workspace's) rows. Ascending columns,
-- so that the keyset condition (created_at, id) < (cursor) is one index bound.
--
-- They replace the first release's (contact_id, created_at desc), (deal_id, created_at desc)
-- and (workspace_id, created_at desc), which lacked the id that breaks ties in created_at (rows
-- of one transaction share it).

create index activities_contact_page on app.activities (contact_id, created_at, id)
  where contact_id is not null;
create index activities_deal_page on app.activities (deal_id, created_at, id)
  where deal_id is not null;
create index activities_workspace_page on app.activities (workspace_id, created_at, id);
-- entity_type + entity_id are filtered together, always within the key's workspace.
create index activities_entity_page on app.activities (workspace_id, entity_type, entity_id, created_at, id)
  where entity_type is not null;
-- One type over the workspace (a rare type would otherwise be looked for among all its rows).
create index activities_type_page on app.activities (workspace_id, type, created_at, id);

drop index app.activities_contact_timeline;
drop index app.activities_deal_timeline;
drop index app.activities_workspace_timeline;
