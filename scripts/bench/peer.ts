// The hand-written peer `npm run bench` compares the API with: what a user would write by hand
// for POST /v1/activities — Hono on Node, postgres.js connected as the tables' owner, one
// prepared query each for the key, the contact and the deal, then the insert with RETURNING
// (four round trips). No row-level security, no rate limit, no request log, minimal validation.
// Not part of the product: a baseline, kept honest by being the obvious code.
//
//   DATABASE_URL=postgres://owner@host/db PORT=0 node --import tsx scripts/bench/peer.ts
// prints {"msg":"listening","url":…} once it accepts requests.

import { createHash } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import postgres from "postgres";

const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.DATABASE_POOL_MAX ?? 16), onnotice: () => {} });
const app = new Hono();

const fail = (status: 400 | 401 | 403 | 404, code: string) => Response.json({ error: { code } }, { status });

app.post("/v1/activities", async (c) => {
  const key = /^Bearer (wbk_[0-9A-Za-z]{32,128})$/.exec(c.req.header("authorization") ?? "")?.[1];
  if (!key) return fail(401, "invalid_key");
  const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
  if (!body || typeof body.type !== "string" || body.type === "") return fail(400, "missing_required_field");

  const [found] = await sql<{ id: string; workspace_id: string; user_id: string; scopes: string[] }[]>`
    select id, workspace_id, user_id, scopes from app.api_keys
     where key_hash = ${createHash("sha256").update(key).digest()}
       and revoked_at is null and (expires_at is null or expires_at > now())`;
  if (!found) return fail(401, "invalid_key");
  if (!found.scopes.includes("activities:write")) return fail(403, "insufficient_permissions");
  if (body.contact_id != null) {
    const [contact] = await sql`select 1 from app.contacts where workspace_id = ${found.workspace_id} and id = ${body.contact_id as string}`;
    if (!contact) return fail(404, "contact_not_found");
  }
  if (body.deal_id != null) {
    const [deal] = await sql`select 1 from app.deals where workspace_id = ${found.workspace_id} and id = ${body.deal_id as string}`;
    if (!deal) return fail(404, "deal_not_found");
  }
  const text = (name: string) => (body[name] ?? null) as string | null;
  const [row] = await sql`
    insert into app.activities (workspace_id, type, title, description, contact_id, deal_id, entity_type,
                                entity_id, entity_name, metadata, created_by_user_id, api_key_id)
    values (${found.workspace_id}, ${body.type}, ${text("title")}, ${text("description")}, ${text("contact_id")},
            ${text("deal_id")}, ${text("entity_type")}, ${text("entity_id")}, ${text("entity_name")},
            ${body.metadata == null ? null : sql.json(body.metadata as postgres.JSONValue)}, ${found.user_id}, ${found.id})
    returning *`;
  const activity = {
    id: `act_${row!.id}`,
    type: row!.type,
    title: row!.title,
    description: row!.description,
    contact_id: row!.contact_id,
    deal_id: row!.deal_id,
    entity_type: row!.entity_type,
    entity_id: row!.entity_id,
    entity_name: row!.entity_name,
    metadata: row!.metadata,
    created_by_user_id: row!.created_by_user_id,
    created_date: (row!.created_at as Date).toISOString().replace(/\.\d+Z$/, "Z"),
  };
  return c.json({ data: { activity } }, 201);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.on("SIGTERM", () => {
  void sql.end({ timeout: 1 }).then(() => process.exit(0));
});
