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

  async totalActivityCount(): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>("select count(*)::int as n from app.activities");
    return Number(row!.n);
  }

  /**
   * An enabled endpoint of `ws` subscribed to activity.created, written as the owner. Its host is
   * under .invalid, which never resolves (RFC 6761): a dispatcher never sends anything anywhere.
   */
  async webhookEndpoint(ws: Workspace): Promise<string> {
    const [row] = await this.db.query<{ id: string }>(
      "insert into app.webhook_endpoints (workspace_id, url, events) values ($1, 'https://webhook-fixture.invalid/', array['activity.created']) returning id",
      [ws.workspaceId],
    );
    return row!.id;
  }

  /** Webhook events queued for `ws` (one per activity.created with a subscribed endpoint). */
  async webhookEventCount(ws: Workspace): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>(
      "select count(*)::int as n from app.webhook_events where workspace_id = $1",
      [ws.workspaceId],
    );
    return Number(row!.n);
  }

  /** Idempotency keys stored for `ws`. */
  async idempotencyKeyCount(ws: Workspace): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>(
      "select count(*)::int as n from app.idempotency_keys where workspace_id = $1",
      [ws.workspaceId],
    );
    return Number(row!.n);
  }

  /** Makes the stored idempotency keys of `ws` `hours` older. */
  async ageIdempotencyKeys(ws: Workspace, hours: number): Promise<void> {
    await this.db.query("update app.idempotency_keys set created_at = created_at - $2::float8 * interval '1 hour' where workspace_id = $1", [
      ws.workspaceId,
      hours,
    ]);
  }

  /**
   * Holds `ws`'s contact locked FOR UPDATE in a transaction of its own until `release` is
   * called: a request recording an activity on that contact waits inside its transaction (the
   * foreign key check), i.e. is still running. Needs a database with concurrent transactions.
   */
  async holdContact(ws: Workspace): Promise<{ release(): Promise<void> }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const done = this.db.transaction(async (tx) => {
      await tx.query("select 1 from app.contacts where id = $1 for update", [ws.contactId]);
      locked();
      await released;
    });
    await Promise.race([isLocked, done]);
    return {
      async release() {
        release();
        await done;
      },
    };
  }

  /** Resolves once some backend of this database waits for a lock (bounded: 5 s). */
  async someoneWaitsForALock(): Promise<void> {
    for (const started = Date.now(); Date.now() - started < 5000; ) {
      const [row] = await this.db.query<{ n: number | string }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if (Number(row!.n) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("no backend waited for a lock within 5 s");
  }
}
