-- DELETE /v1/activities/{id}: a hard delete. The row is gone at once from every read and
-- listing (no read has to remember a deleted_at filter), nothing is purged later because
-- nothing is left; the activity.deleted event (queued by the trigger of
-- 20261202150000_activity_updated_and_deleted_events.sql) carries the activity as it was, and
-- the webhook outbox, whose payloads are self-contained text, keeps the earlier events of the
-- activity until prune_webhook_outbox removes them with the rest (30 days by default).
--
-- Why a SECURITY DEFINER step: PostgreSQL applies a table's SELECT policies to the rows an
-- UPDATE or DELETE finds through its WHERE clause, so under RLS a key with activities:write but
-- not activities:read would find no row to delete. Widening the read policy would let a
-- write-only key read; instead, the one statement that needs it runs as the owner, confined to
-- the key's workspace by the key itself (key_workspace_with_scope), never by an argument. It
-- returns only whether a row went, so it tells a write-only key nothing about the activity.

create function app_private.delete_activity_row(id uuid) returns boolean
language plpgsql volatile security definer set search_path = ''
as $$
declare
  workspace uuid := app_private.key_workspace_with_scope(array['activities:write']);
begin
  delete from app.activities a
   where a.id = delete_activity_row.id and a.workspace_id = workspace;
  return found;
end;
$$;
revoke execute on function app_private.delete_activity_row(uuid) from public;
grant execute on function app_private.delete_activity_row(uuid) to anon;

create function app_private.raise_activity_not_found(id uuid) returns void
language plpgsql volatile set search_path = ''
as $$
begin
  raise sqlstate 'PT404' using message = 'activity_not_found', hint = 'id',
    detail = format('No activity with id act_%s exists in this workspace.', id);
end;
$$;
revoke execute on function app_private.raise_activity_not_found(uuid) from public;
grant execute on function app_private.raise_activity_not_found(uuid) to anon;

-- An unknown id, an id of another workspace and an id deleted before are the same 404.
create function api.delete_activity(id uuid) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:write');
begin
  if not app_private.delete_activity_row(delete_activity.id) then
    perform app_private.raise_activity_not_found(delete_activity.id);
  end if;
  return json_build_object('workspace_id', key.workspace_id);
end;
$$;
revoke execute on function api.delete_activity(uuid) from public;
grant execute on function api.delete_activity(uuid) to anon;
