// Test data written as the owner, straight into the tables or through admin.* (the operator's
// functions): workspaces with a member, a contact and a deal, and API keys in any state.

import { randomUUID } from "node:crypto";
import type { SqlExecutor } from "../../functions/_node/sql-executor.ts";

export type Scope = "activities:write" | "activities:read" | "webhooks:write" | "webhooks:read";

export interface Workspace {
  workspaceId: string;
  userId: string;
  contactId: string;
  dealId: string;
}

export interface KeyOptions {
  scopes?: Scope[];
  expiresAt?: Date;
  revoked?: boolean;
}

/** An activity written straight into the table, for a timeline with chosen times. */
export interface ActivityRow {
  type?: string;
  contactId?: string | null;
  dealId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  /** Default: now. */
  createdAt?: string;
}

export class Fixtures {
  constructor(readonly db: SqlExecutor) {}

  async workspace(): Promise<Workspace> {
    const ws: Workspace = { workspaceId: randomUUID(), userId: randomUUID(), contactId: randomUUID(), dealId: randomUUID() };
    await this.db.transaction(async (tx) => {
      await tx.query("insert into app.workspaces (id, name) values ($1, 'Test workspace')", [ws.workspaceId]);
      await tx.query("insert into app.workspace_members (workspace_id, user_id) values ($1, $2)", [ws.workspaceId, ws.userId]);
      await tx.query("insert into app.contacts (id, workspace_id, name) values ($1, $2, 'Jane')", [ws.contactId, ws.workspaceId]);
      await tx.query("insert into app.deals (id, workspace_id, name) values ($1, $2, 'Deal')", [ws.dealId, ws.workspaceId]);
    });
    return ws;
  }

  /** A new key of `ws`; by default with activities:write and activities:read. Returns the plain key. */
  async key(ws: Workspace, options: KeyOptions = {}): Promise<string> {
    const scopes = options.scopes ?? ["activities:write", "activities:read"];
    const [row] = await this.db.query<{ created: { id: string; key: string } }>(
      "select admin.create_api_key($1::text[], $2::uuid, $3::uuid, 'test', $4::timestamptz) as created",
      [scopes, ws.workspaceId, ws.userId, options.expiresAt?.toISOString() ?? null],
    );
    if (options.revoked) await this.db.query("select admin.revoke_api_key($1::uuid)", [row!.created.id]);
    return row!.created.key;
  }

  async expireKey(plainKey: string): Promise<void> {
    await this.db.query(
      "update app.api_keys set expires_at = now() - interval '1 second' where key_hash = sha256(convert_to($1, 'UTF8'))",
      [plainKey],
    );
  }

  async activityCount(ws: Workspace): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>(
      "select count(*)::int as n from app.activities where workspace_id = $1",
      [ws.workspaceId],
    );
    return Number(row!.n);
  }

  /** Inserts the rows into `ws` (as its member) in one statement; returns their ids as the API shows them (`act_…`). */
  async activities(ws: Workspace, rows: ActivityRow[]): Promise<string[]> {
    const ids = rows.map(() => randomUUID());
    await this.db.query(
      `insert into app.activities (id, workspace_id, type, contact_id, deal_id, entity_type, entity_id, created_by_user_id, created_at)
       select r.id, $1::uuid, r.type, r.contact_id, r.deal_id, r.entity_type, r.entity_id, $2::uuid, coalesce(r.created_at, now())
         from json_to_recordset($3::text::json)
           as r(id uuid, type text, contact_id uuid, deal_id uuid, entity_type text, entity_id text, created_at timestamptz)`,
      [
        ws.workspaceId,
        ws.userId,
        JSON.stringify(rows.map((row, i) => ({
          id: ids[i], type: row.type ?? "note", contact_id: row.contactId ?? null, deal_id: row.dealId ?? null,
          entity_type: row.entityType ?? null, entity_id: row.entityId ?? null, created_at: row.createdAt ?? null,
        }))),
      ],
    );
    return ids.map((id) => `act_${id}`);
  }

  async totalActivityCount(): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>("select count(*)::int as n from app.activities");
    return Number(row!.n);
  }
}
