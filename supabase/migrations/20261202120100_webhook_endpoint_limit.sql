-- At most 20 webhook endpoints per workspace, whatever the concurrency. api.create_webhook_endpoint
-- counts before it inserts, but concurrent calls all count the same committed rows and all
-- insert (30 parallel creates took a workspace from 6 to 25). So every insert and delete also
-- moves a per-workspace counter, and the insert is refused when the counter passes 20. Updating
-- the counter's row locks it until commit: a concurrent creator waits, then (READ COMMITTED)
-- re-reads the committed count, or (REPEATABLE READ, SERIALIZABLE) fails with a serialization
-- error; in no order can a 21st endpoint commit. The count before the insert stays as the cheap
-- first answer.

create table app_private.webhook_endpoint_counts (
  workspace_id uuid primary key references app.workspaces (id) on delete cascade,
  endpoints integer not null check (endpoints >= 0)
);
alter table app_private.webhook_endpoint_counts enable row level security;

create function app_private.count_webhook_endpoints() returns trigger
language plpgsql volatile security definer set search_path = ''
as $$
declare
  counted integer;
begin
  if tg_op = 'UPDATE' and new.workspace_id is not distinct from old.workspace_id then
    return null;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    update app_private.webhook_endpoint_counts c set endpoints = c.endpoints - 1 where c.workspace_id = old.workspace_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.webhook_endpoint_counts as c (workspace_id, endpoints) values (new.workspace_id, 1)
    on conflict (workspace_id) do update set endpoints = c.endpoints + 1
    returning c.endpoints into counted;
    -- A workspace already past the limit (the race above) keeps its endpoints and may delete
    -- them; it only cannot add more.
    if counted > 20 then
      raise sqlstate 'PT409' using message = 'webhook_endpoint_limit_reached',
        detail = 'A workspace may have at most 20 webhook endpoints; delete one first.';
    end if;
  end if;
  return null;
end;
$$;
revoke execute on function app_private.count_webhook_endpoints() from public;

-- The count and the trigger that keeps it in one statement, under a lock that lets no endpoint be
-- added or removed in between. One statement because not every runner wraps a migration file in
-- a transaction block: `supabase db push` sends its statements as an implicit transaction, where
-- a bare LOCK TABLE is refused, and psql in autocommit would release the lock after it.
do $$
begin
  lock table app.webhook_endpoints in share row exclusive mode;
  insert into app_private.webhook_endpoint_counts (workspace_id, endpoints)
  select e.workspace_id, count(*) from app.webhook_endpoints e group by e.workspace_id;
  create trigger count_webhook_endpoints
    after insert or delete or update of workspace_id on app.webhook_endpoints
    for each row execute function app_private.count_webhook_endpoints();
end;
$$;
