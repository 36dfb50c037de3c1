// A contact's timeline page at volume: 1,000,000 activities in one workspace, 10,000 on the
// contact. The plan of the statement api.list_activities runs — captured by auto_explain as the
// function runs it, as anon with a read key, planned afresh and then cached — walks the contact's page index backwards and
// stops after the page: no Sort, and as many rows read for a page deep in the timeline as for
// the first one (keyset, not offset).

import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Fixtures, type Workspace } from "../support/fixtures.ts";
import { serviceAvailable } from "../support/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { loadTimelineVolume } from "../support/timeline-volume.ts";

const available = await serviceAvailable("postgres");
const TOTAL = 1_000_000;
const ON_CONTACT = 10_000;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Scan Direction"?: string;
  "Index Cond"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

describe.skipIf(!available)("the timeline's plan at 1,000,000 activities", () => {
  let database: TestDatabase;
  let ws: Workspace;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase("timeline_plan");
    const fixtures = new Fixtures(database.admin);
    ws = await fixtures.workspace();
    key = await fixtures.key(ws, { scopes: ["activities:read"] });
    await loadTimelineVolume(database.admin, ws, { total: TOTAL, onContact: ON_CONTACT });
  }, 85_000);

  afterAll(async () => {
    await database?.drop();
  });

  type Page = { activities: Array<{ id: string }>; next_cursor: string };

  /**
   * The plans of the page query inside api.list_activities(args), as it ran: on the session's
   * first call (planned for its values) and on its tenth (by then PL/pgSQL's plan cache serves
   * the plan it keeps for every call — the one a busy connection uses).
   */
  async function pagePlans(args: string): Promise<{ plans: PlanNode[]; result: Page }> {
    const notices: string[] = [];
    const sql = postgres(database.adminUrl, { max: 1, onnotice: (notice) => notices.push(String(notice.message)) });
    try {
      const pages = await sql.begin(async (tx) => {
        await tx.unsafe(`load 'auto_explain'`);
        for (const [name, value] of Object.entries({
          log_min_duration: "0", log_nested_statements: "on", log_analyze: "on", log_format: "json", log_level: "notice",
        })) {
          await tx.unsafe(`select set_config('auto_explain.${name}', $1, true)`, [value]);
        }
        await tx.unsafe(`select set_config('role', 'anon', true), set_config('request.headers', $1, true)`, [JSON.stringify({ "x-api-key": key })]);
        const results: unknown[] = [];
        for (let call = 1; call <= 10; call++) {
          const [row] = await tx.unsafe(`select api.list_activities(${args}) as page`);
          results.push(row!.page);
        }
        return results;
      });
      const all = notices
        .filter((text) => /Query Text": "[^"]*candidates := array\(/.test(text))
        .map((text) => (JSON.parse(text.slice(text.indexOf("{"))) as { Plan: PlanNode }).Plan);
      expect(all, "auto_explain reported the page query's plan on every call").toHaveLength(10);
      const plans = [all[0]!, all[9]!];
      const last = pages.at(-1);
      return { plans, result: (typeof last === "string" ? JSON.parse(last) : last) as Page };
    } finally {
      await sql.end();
    }
  }

  const expectIndexPage = (plan: PlanNode, rows: number) => {
    const all = nodes(plan);
    expect(all.map((node) => node["Node Type"]).filter((type) => /Sort/.test(type))).toEqual([]);
    const scan = all.find((node) => node["Index Name"] === "activities_contact_page");
    expect(scan, JSON.stringify(plan, null, 1)).toMatchObject({ "Node Type": "Index Scan", "Scan Direction": "Backward" });
    expect(scan!["Actual Rows"]).toBeLessThanOrEqual(rows);
    return scan!;
  };

  test("the first page: a backward scan of the contact's index, 26 rows read for 25 shown, no sort", async () => {
    const contact = `contact_id => '${ws.contactId}', timeline_of => 'contact'`;
    const { plans, result } = await pagePlans(contact);
    expect(result.activities).toHaveLength(25);
    for (const plan of plans) expectIndexPage(plan, 26);
  }, 30_000);

  test("a page 9,000 rows deep reads as few rows: the cursor is an index bound", async () => {
    const contact = `contact_id => '${ws.contactId}', timeline_of => 'contact'`;
    // The contact's 9,000th activity, newest first, as the cursor.
    const [deep] = await database.admin.query<{ id: string }>(
      `select id from app.activities where contact_id = $1 order by created_at desc, id desc offset 8999 limit 1`,
      [ws.contactId],
    );
    const cursor = `act_${deep!.id}`;
    const { plans, result: page } = await pagePlans(`${contact}, starting_after => '${cursor.slice(4)}'`);
    expect(page.activities).toHaveLength(25);
    for (const plan of plans) {
      const scan = expectIndexPage(plan, 27);
      expect(scan["Index Cond"]).toMatch(/ROW\(created_at, id\) <= ROW\(/);
    }
  }, 30_000);

  test("the volume is what the test claims", async () => {
    const [counts] = await database.admin.query<{ total: number; on_contact: number }>(
      `select count(*)::int as total, count(*) filter (where contact_id = $2)::int as on_contact
         from app.activities where workspace_id = $1`,
      [ws.workspaceId, ws.contactId],
    );
    expect(counts).toEqual({ total: TOTAL, on_contact: ON_CONTACT });
  });
});
