-- anon reads activities column by column (issue 15, item 7). `grant select on app.activities`
-- covered every column, api_key_id included, which no response shows: a key that may read its
-- workspace's activities could learn which of the workspace's keys wrote each one. anon now may
-- select exactly the columns the API's reads render (activity_json) or filter on; a column added
-- to the table later is not readable until a migration grants it.
--
-- A whole-row reference (`select a from app.activities a`, `activity_json(a)`) needs every
-- column, so the reads build the row from the granted columns, api_key_id left null.

revoke select on app.activities from anon;
grant select (id, workspace_id, type, title, description, contact_id, deal_id, entity_type, entity_id,
              entity_name, metadata, created_by_user_id, created_at)
  on app.activities to anon;

-- The same checks and answer as before; the row is built from the readable columns.
create or replace function api.get_activity(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:read');
  found_json json;
begin
  select app_private.activity_json(row(
           a.id, a.workspace_id, a.type, a.title, a.description, a.contact_id, a.deal_id, a.entity_type,
           a.entity_id, a.entity_name, a.metadata, a.created_by_user_id, null, a.created_at
         )::app.activities)
    into found_json
    from app.activities a
   where a.id = get_activity.id;
  if found_json is null then
    raise sqlstate 'PT404' using message = 'activity_not_found', hint = 'id',
      detail = format('No activity with id act_%s exists in this workspace.', get_activity.id);
  end if;
  return json_build_object('workspace_id', key.workspace_id, 'activity', found_json);
end;
$$;
