// "A rejected request writes nothing", checked on the whole database rather than per route: a
// snapshot of every row of every table in schema `app` (keyed by its id, or by the whole row),
// taken before and after a run. Every row added, changed or removed in between must be explained
// by a request that succeeded: a row is explained when it holds an id that a 2xx answer to a
// writing request named (in its path or body), or an id of another explained row (an event
// holds its activity's id, a delivery its event's; only the row's own id passes on). Ids of the fixtures (workspaces, users,
// contacts, deals) explain nothing: every row holds them. `last_used_at` of a key is moved by
// any accepted key, so it is left out.

import type { SqlExecutor } from "../../../functions/_node/sql-executor.ts";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export type Snapshot = Map<string, string>;

export async function snapshotTables(admin: SqlExecutor): Promise<Snapshot> {
  const tables = await admin.query<{ name: string }>(
    "select quote_ident(relname) as name from pg_class where relnamespace = 'app'::regnamespace and relkind in ('r', 'p') order by relname",
  );
  const snapshot: Snapshot = new Map();
  for (const { name } of tables) {
    const rows = await admin.query<{ row: string }>(`select (to_jsonb(t) - 'last_used_at')::text as row from app.${name} t`);
    for (const { row } of rows) {
      const id = (JSON.parse(row) as { id?: unknown }).id;
      snapshot.set(`${name}:${id === undefined ? row : String(id)}`, row);
    }
  }
  return snapshot;
}

export interface Change {
  key: string;
  kind: "added" | "changed" | "removed";
  row: string;
}

export function changes(before: Snapshot, after: Snapshot): Change[] {
  const found: Change[] = [];
  for (const [key, row] of after) {
    const old = before.get(key);
    if (old === undefined) found.push({ key, kind: "added", row });
    else if (old !== row) found.push({ key, kind: "changed", row: `${old} → ${row}` });
  }
  for (const [key, row] of before) if (!after.has(key)) found.push({ key, kind: "removed", row });
  return found;
}

export const uuidsIn = (text: string): string[] => (text.match(UUID) ?? []).map((id) => id.toLowerCase());

/** The changes no successful write explains. */
export function unexplained(found: Change[], successfulWrites: string[], fixtureIds: Set<string>): Change[] {
  const named = new Set<string>();
  for (const text of successfulWrites) for (const id of uuidsIn(text)) if (!fixtureIds.has(id)) named.add(id);
  let open = found;
  for (;;) {
    const still = open.filter((change) => {
      const ids = uuidsIn(change.row).filter((id) => !fixtureIds.has(id));
      if (!ids.some((id) => named.has(id))) return true;
      // Only the row's own id explains further rows (its event's deliveries, say), not every
      // id it holds: a delivery names a pre-existing endpoint, which must stay unexplained.
      for (const id of uuidsIn(change.key)) named.add(id);
      return false;
    });
    if (still.length === open.length) return still;
    open = still;
  }
}
