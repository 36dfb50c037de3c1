// The dispatcher's view of the database: claim due deliveries, record attempts. Both are one
// call of a SECURITY DEFINER function that only service_role may execute, made in a short
// transaction of its own as service_role. Any client with transactions will do (postgres.js,
// PGlite, the Node tooling's SqlExecutor): `OutboxDatabase` is the little it needs.

export interface OutboxQuery {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export interface OutboxDatabase {
  transaction<T>(work: (tx: OutboxQuery) => Promise<T>): Promise<T>;
}

export interface ClaimedDelivery {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  url: string;
  payload: string;
  secrets: string[];
  /** 1 for the first attempt. */
  attempt: number;
  /** Set after a manual retry: the attempt number after which the delivery is final. */
  attemptLimit: number | null;
  leaseToken: string;
}

export type Outcome = "succeeded" | "retry" | "failed" | "gone";

export interface AttemptRecord {
  deliveryId: string;
  leaseToken: string;
  attemptedAt: Date;
  statusCode?: number;
  latencyMs: number;
  error?: string;
  outcome: Outcome;
  /** With outcome "retry": when the next attempt is due, from now. */
  retryInMs?: number;
}

export interface WebhookOutbox {
  claim(maxCount: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Returns how many were recorded (a result whose lease another dispatcher took is not). */
  record(records: AttemptRecord[], disableAfterMs: number): Promise<number>;
}

interface ClaimRow {
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  url: string;
  payload: string;
  secrets: string[] | string;
  attempt: number;
  attempt_limit: number | null;
  lease_token: string;
}

export function createSqlOutbox(db: OutboxDatabase, options: { role?: string } = {}): WebhookOutbox {
  const role = options.role ?? "service_role";
  const asRole = <T>(work: (tx: OutboxQuery) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.query(`set local role ${role}`);
      return work(tx);
    });

  return {
    async claim(maxCount, leaseMs) {
      const rows = await asRole((tx) =>
        tx.query<ClaimRow>("select * from app_private.claim_webhook_deliveries($1::integer, $2::integer)", [maxCount, leaseMs]),
      );
      return rows.map((row) => ({
        deliveryId: row.delivery_id,
        eventId: row.event_id,
        endpointId: row.endpoint_id,
        url: row.url,
        payload: row.payload,
        secrets: typeof row.secrets === "string" ? parseTextArray(row.secrets) : row.secrets,
        attempt: Number(row.attempt),
        attemptLimit: row.attempt_limit === null ? null : Number(row.attempt_limit),
        leaseToken: row.lease_token,
      }));
    },
    async record(records, disableAfterMs) {
      if (records.length === 0) return 0;
      const results = records.map((r) => ({
        delivery_id: r.deliveryId,
        lease_token: r.leaseToken,
        attempted_at: r.attemptedAt.toISOString(),
        status_code: r.statusCode ?? null,
        latency_ms: r.latencyMs,
        error: r.error ?? null,
        outcome: r.outcome,
        retry_in_ms: r.retryInMs ?? null,
      }));
      const [row] = await asRole((tx) =>
        tx.query<{ recorded: number }>(
          "select app_private.record_webhook_attempts($1::text::jsonb, $2::bigint) as recorded",
          [JSON.stringify(results), disableAfterMs],
        ),
      );
      return Number(row?.recorded ?? 0);
    },
  };
}

/** A text[] that a driver left in Postgres's text form: {a,b} (secrets need no quoting). */
function parseTextArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, "");
  return inner === "" ? [] : inner.split(",").map((item) => item.replace(/^"|"$/g, ""));
}
