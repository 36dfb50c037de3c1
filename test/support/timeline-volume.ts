// A workspace with a large timeline, loaded in SQL (generate_series) for the plan test and the
// timeline benchmark: `total` activities, `onContact` of them on the workspace's contact and the
// rest spread over 999 other contacts of the same workspace, one second apart, types rotating.
// Loaded as the owner with triggers off (no webhook events) and the activities' indexes rebuilt
// after the insert — their definitions read from the catalog and run again unchanged, so the
// indexes measured are exactly the migrations' — then analysed, as a live table would be.

import type { SqlExecutor } from "../../functions/_node/sql-executor.ts";
import type { Workspace } from "./fixtures.ts";

export interface TimelineVolume {
  total: number;
  onContact: number;
}

export async function loadTimelineVolume(admin: SqlExecutor, ws: Workspace, volume: TimelineVolume): Promise<void> {
  const every = Math.floor(volume.total / volume.onContact);
  await admin.transaction(async (tx) => {
    const indexes = await tx.query<{ name: string; definition: string }>(
      `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
         from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = 'app.activities'::regclass and not i.indisprimary and not i.indisunique`,
    );
    await tx.exec(`
      set local session_replication_role = replica;
      set local maintenance_work_mem = '256MB';
      ${indexes.map((index) => `drop index app.${index.name};`).join("\n")}`);
    await tx.query(
      `insert into app.contacts (id, workspace_id, name)
       select gen_random_uuid(), $1::uuid, 'Contact ' || g from generate_series(1, 999) g`,
      [ws.workspaceId],
    );
    await tx.query(
      `with others as (select array_agg(id) as ids from app.contacts where workspace_id = $1::uuid and id <> $2::uuid)
       insert into app.activities (id, workspace_id, type, title, contact_id, metadata, created_by_user_id, created_at)
       select gen_random_uuid(), $1::uuid, (array['call', 'email', 'meeting', 'note', 'task_completed'])[1 + g % 5],
              'Activity ' || g,
              case when g % $4::int = 0 then $2::uuid else others.ids[1 + g % 999] end,
              '{"duration_minutes": 32, "direction": "outbound"}',
              $3::uuid, now() - interval '1 second' * ($5::int - g)
         from others, generate_series(1, $5::int) g`,
      [ws.workspaceId, ws.contactId, ws.userId, every, volume.total],
    );
    await tx.exec(indexes.map((index) => `${index.definition};`).join("\n"));
  });
  await admin.exec("analyze app.activities, app.contacts");
}
