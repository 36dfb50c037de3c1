// The gateway's URL policy (TypeScript) and the database's (SQL, what PostgREST callers meet)
// side by side on the same inputs: the same special-purpose table, the same verdict on every URL
// of a corpus of tricky ones in both modes, and the SQL reading of numeric hosts equal to the
// WHATWG URL parser's (Node's URL is the reference implementation the dispatcher uses too).

import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migrate } from "../../functions/_node/migrations.ts";
import { pgliteExecutor, type SqlExecutor } from "../../functions/_node/sql-executor.ts";
import {
  IPV4_MULTICAST,
  IPV4_SPECIAL_PURPOSE,
  IPV6_SPECIAL_PURPOSE,
  parseIp,
} from "../../functions/_shared/webhooks/special-purpose-addresses.ts";
import { checkWebhookUrl } from "../../functions/_shared/webhooks/url-policy.ts";
import { SPECIAL_PURPOSE_SAMPLES, urlHost } from "./special-purpose-samples.ts";

let db: SqlExecutor;
beforeAll(async () => {
  db = pgliteExecutor(await PGlite.create(), { closeWithExecutor: true });
  await migrate(db);
}, 60_000);
afterAll(async () => {
  await db?.close();
});

const canonical = (cidr: string) => `${parseIp(cidr.split("/")[0]!)!.join(",")}/${cidr.split("/")[1]}`;

test("the SQL table holds exactly the TypeScript table's rows", async () => {
  const rows = await db.query<{ block: string; name: string; rfc: string; globally_reachable: boolean | null; registry: string }>(
    "select block::text as block, name, rfc, globally_reachable, registry from app_private.special_purpose_addresses",
  );
  const sql = rows.map((r) => ({ block: canonical(r.block), name: r.name, rfc: r.rfc, reachable: r.globally_reachable, registry: r.registry }));
  const typescript = [
    ...IPV4_SPECIAL_PURPOSE.map((b) => ({ ...b, registry: "iana-ipv4-special-registry" })),
    { ...IPV4_MULTICAST, registry: "multicast-addresses" },
    ...IPV6_SPECIAL_PURPOSE.map((b) => ({ ...b, registry: "iana-ipv6-special-registry" })),
  ].map((b) => ({ block: canonical(b.block), name: b.name, rfc: b.rfc, reachable: b.globallyReachable, registry: b.registry }));
  const order = (list: typeof sql) => [...list].sort((a, b) => a.block.localeCompare(b.block));
  expect(order(sql)).toEqual(order(typescript));
});

const CORPUS = [
  "https://hooks.example.com/crm?x=1",
  "HTTPS://hooks.example.com/crm",
  "Http://127.0.0.1:8080/x",
  "http://localhost:9/x",
  "http://localhost.:9/x",
  "http://api.localhost/x",
  "http://[::1]:9/",
  "http://127.1/",
  "http://0x7f000001/",
  "http://hooks.example.com/",
  "https://localhost/",
  "https://LOCALHOST./",
  "https://a.b.localhost/",
  "https://localhost.example.com/",
  "https://127.0.0.1/",
  "https://127.0.0.1./",
  "https://127.0.0.1../",
  "https://127.1/",
  "https://127.0.1/",
  "https://0x7f.1/",
  "https://0X7F.0.0.1/",
  "https://0177.0.0.1/",
  "https://00000000000000000000000000000127.1/",
  "https://0x00000000000000000000007f.1/",
  "https://2130706433/",
  "https://017700000001/",
  "https://4294967295/",
  "https://4294967296/",
  "https://1.16777215/",
  "https://1.16777216/",
  "https://256.1/",
  "https://1.2.3.4.5/",
  "https://1..2/",
  "https://.1/",
  "https://a..1/",
  "https://09/",
  "https://08.1/",
  "https://0x/",
  "https://0x.0x/",
  "https://x.0x10/",
  "https://foo.09/",
  "https://1.2.3.0x/",
  "https://8.8.8.8/",
  "https://8.8.8.8:443/path",
  "https://010.8.8.8/",
  "https://[::1]/",
  "https://[::]/",
  "https://[::ffff:0:7f00:1]/",
  "https://[::ffff:0:a9fe:a9fe]/",
  "https://[::ffff:169.254.169.254]/",
  "https://[::ffff:8.8.8.8]/",
  "https://[64:ff9b::a9fe:a9fe]/",
  "https://[64:ff9b::8.8.8.8]/",
  "https://[2606:4700:4700::1111]/",
  "https://[2606:4700:4700::1111]:8443/x",
  "https://[2606:4700:4700:0:0:0:0:1111]/",
  "https://[1.2.3.4]/",
  "https://[::1.2.3.4]/",
  "https://[1::2::3]/",
  "https://[00001::]/",
  "https://[fe80::1%25eth0]/",
  "https://[::ffff:1.2.3]/",
  "https://hooks.example.com:0/",
  "https://hooks.example.com:65535/",
  "https://hooks.example.com:65536/",
  "https://hooks.example.com:00443/",
  "https://hooks.example.com:/",
  "https://hooks.example.com:x/",
  "https://user@hooks.example.com/",
  "https://user:pass@hooks.example.com/",
  "https://hooks.example.com/#x",
  "https://hooks.example.com/a b",
  "https://hooks.example.com/caf\u00e9",
  "https://b\u00fccher.example/",
  "https://xn--bcher-kva.example/",
  "https://%31%32%37.0.0.1/",
  "https://ex%61mple.com/",
  "https://\uff11\uff12\uff17.0.0.1/",
  "https://1\u00ad27.0.0.1/",
  "https://hooks_staging.example.com/",
  "https://hooks.example.com\\@127.0.0.1/",
  "https://127.0.0.1\\x/",
  "https://hooks.example.com?x=1",
  "https:hooks.example.com/",
  "https:/hooks.example.com/",
  "https:///x",
  "https://",
  "ftp://hooks.example.com/",
  "javascript:alert(1)",
  "hooks.example.com",
  " https://hooks.example.com/",
  "https://hooks.example.com/\t",
  `https://hooks.example.com/${"a".repeat(2030)}`,
  `https://hooks.example.com/${"a".repeat(2040)}`,
  ...Object.values(SPECIAL_PURPOSE_SAMPLES).map((address) => `https://${urlHost(address)}/hook`),
];

describe.each([false, true])("allow_insecure = %s: TypeScript and SQL give the same verdict", (allowInsecure) => {
  test.each(CORPUS)("%s", async (url) => {
    const typescript = await checkWebhookUrl(url, { allowInsecure });
    const [row] = await db.query<{ problem: string | null }>("select app_private.webhook_url_problem($1, $2) as problem", [url, allowInsecure]);
    expect({ ok: row!.problem === null, problem: row!.problem }).toMatchObject({ ok: typescript.ok });
  });
});

test("SQL reads a numeric host as the WHATWG URL parser does", async () => {
  const forms = (a: number, b: number, c: number, d: number) => {
    const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
    const as = (value: number, radix: 8 | 10 | 16) => (radix === 16 ? `0x${value.toString(16)}` : radix === 8 ? `0${value.toString(8)}` : String(value));
    const out: string[] = [];
    for (const radix of [8, 10, 16] as const) {
      out.push(as(n, radix), `${as(a, radix)}.${as((b << 16) + (c << 8) + d, radix)}`);
      out.push(`${as(a, radix)}.${as(b, radix)}.${as((c << 8) + d, radix)}`, `${as(a, radix)}.${as(b, radix)}.${as(c, radix)}.${as(d, radix)}`);
    }
    return out.flatMap((form) => [form, `${form}.`, form.toUpperCase()]);
  };
  const hosts = [
    ...forms(127, 0, 0, 1), ...forms(169, 254, 169, 254), ...forms(10, 0, 0, 0), ...forms(8, 8, 8, 8), ...forms(255, 255, 255, 255),
    "0", "00", "0x", "0x0", "08", "0x1g", "1.2.3.4.5", "1.2.3.256", "256.0.0.1", "1.0x1000000", "1.0xffffff", "4294967296", "99999999999999999999",
  ];
  for (const host of hosts) {
    let expected: string | null = null;
    try {
      const hostname = new URL(`https://${host}/`).hostname;
      if (/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) expected = hostname;
    } catch {
      // Not a valid URL: the SQL reading must fail too.
    }
    const [row] = await db.query<{ address: string | null }>("select host(app_private.url_ipv4_address($1)) as address", [host.toLowerCase()]);
    expect(row!.address, host).toBe(expected);
  }
});
