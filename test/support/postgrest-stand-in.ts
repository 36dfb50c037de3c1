// A stand-in for Supabase's /rest/v1/rpc/<fn> endpoint (Kong's key check + PostgREST), in
// front of a real PostgreSQL, so that supabase-js's real requests and our mapping of PostgREST's
// answers run end to end without Docker. Per request it does what PostgREST documents and does
// (Query.hs setPgLocals, Error.hs pgErrorStatus):
//   - Kong: an `apikey` header (or ?apikey=) signed with the project's JWT secret, else 401;
//   - PostgREST: the Authorization bearer JWT verified (HS256, exp), its `role` claim (default
//     the anon role) impersonated; schema from Content-Profile (POST) / Accept-Profile (GET),
//     which must be an exposed one, else 406 PGRST106;
//   - the function found in the catalog by schema, name and argument names (404 PGRST202);
//   - one transaction (READ ONLY for GET and for non-volatile functions), connected as the
//     NOINHERIT `authenticator`: set_config of search_path, role, the role's own settings
//     (`alter role … set`), request.jwt.claims, request.method, request.path, request.headers
//     (every header, lower-cased, minus cookie), request.cookies; then the call with named
//     arguments taken from the JSON body (or the query string for GET) via json_to_record;
//   - errors as {code,message,details,hint} with PostgREST's status for the SQLSTATE.
// What it does not cover is listed in README (section "deploy").

import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";

export interface PostgrestStandInOptions {
  /** Where to connect: as `authenticator` (NOINHERIT, member of anon/authenticated/service_role). */
  databaseUrl: string;
  /** The project's JWT secret: signs the anon/service_role keys and users' tokens. */
  jwtSecret: string;
  /** PostgREST's db-schemas (Supabase config.toml [api] schemas); the first is the default. */
  schemas?: string[];
  /** PostgREST's db-extra-search-path. */
  extraSearchPath?: string[];
  /** PostgREST's db-anon-role. */
  anonRole?: string;
  port?: number;
  host?: string;
}

export interface PostgrestStandIn {
  url: string;
  /** Requests received, and the SQL settings of the last call (for assertions). */
  stats: { requests: number; lastLocals: Record<string, string> | null };
  close(): Promise<void>;
}

interface RpcFunction {
  names: string[];
  types: string[];
  required: number;
  volatile: boolean;
  returnsSet: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

const pgrstError = (status: number, code: string, message: string, details: string | null = null, hint: string | null = null) =>
  new HttpError(status, { code, details, hint, message });

export async function startPostgrestStandIn(options: PostgrestStandInOptions): Promise<PostgrestStandIn> {
  const schemas = options.schemas ?? ["api"];
  const extraSearchPath = options.extraSearchPath ?? ["public", "extensions"];
  const anonRole = options.anonRole ?? "anon";
  const sql = postgres(options.databaseUrl, { max: 4, onnotice: () => {}, connection: { application_name: "postgrest-stand-in" } });
  const stats: PostgrestStandIn["stats"] = { requests: 0, lastLocals: null };

  // PostgREST reads these once into its schema cache; so does the stand-in, lazily.
  let roleSettings: Promise<Map<string, Array<[string, string]>>> | undefined;
  const loadRoleSettings = () =>
    (roleSettings ??= sql<{ rolname: string; setconfig: string[] }[]>`
      select r.rolname, s.setconfig
        from pg_catalog.pg_db_role_setting s
        join pg_catalog.pg_roles r on r.oid = s.setrole
       where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
       order by s.setdatabase`.then((rows) => {
      const byRole = new Map<string, Map<string, string>>();
      for (const row of rows) {
        const settings = byRole.get(row.rolname) ?? new Map<string, string>();
        for (const entry of row.setconfig) {
          const at = entry.indexOf("=");
          settings.set(entry.slice(0, at), entry.slice(at + 1));
        }
        byRole.set(row.rolname, settings);
      }
      return new Map([...byRole].map(([role, settings]) => [role, [...settings]]));
    }));
  const functions = new Map<string, Promise<RpcFunction[]>>();
  const loadFunctions = (schema: string, name: string) => {
    const key = `${schema}.${name}`;
    let found = functions.get(key);
    if (!found) {
      found = sql<{ names: string[] | null; types: string[]; nargs: number; ndefaults: number; volatility: string; retset: boolean }[]>`
        select p.proargnames as names,
               array(select pg_catalog.format_type(t.oid, null)
                       from unnest(p.proargtypes) with ordinality as a(oid, n)
                       join pg_catalog.pg_type t on t.oid = a.oid
                      order by a.n) as types,
               p.pronargs as nargs, p.pronargdefaults as ndefaults,
               p.provolatile as volatility, p.proretset as retset
          from pg_catalog.pg_proc p
          join pg_catalog.pg_namespace n on n.oid = p.pronamespace
         where n.nspname = ${schema} and p.proname = ${name}`.then((rows) =>
        rows.map((row) => ({
          names: (row.names ?? []).slice(0, row.nargs),
          types: row.types,
          required: row.nargs - row.ndefaults,
          volatile: row.volatility === "v",
          returnsSet: row.retset,
        })),
      );
      found.catch(() => functions.delete(key));
      functions.set(key, found);
    }
    return found;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    stats.requests++;
    const url = new URL(req.url ?? "/", "http://stand-in");
    const match = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(url.pathname);
    if (!match) throw pgrstError(404, "PGRST125", "Invalid path specified in request URL");
    const method = req.method ?? "GET";
    if (!["GET", "HEAD", "POST"].includes(method)) throw pgrstError(405, "PGRST117", `Unsupported HTTP method: ${method}`);
    const fnName = decodeURIComponent(match[1]!);

    // Kong: the apikey must be one of the project's keys.
    const apikey = header(req, "apikey") ?? url.searchParams.get("apikey");
    if (!apikey) {
      throw new HttpError(401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
    }
    try {
      verifyJwt(apikey, options.jwtSecret);
    } catch {
      throw new HttpError(401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
    }

    // PostgREST: the bearer token decides the role; without one, the anon role.
    let claims: Record<string, unknown> = {};
    const authorization = header(req, "authorization");
    if (authorization !== undefined) {
      const token = /^Bearer\s+(.*)$/i.exec(authorization)?.[1]?.trim() ?? "";
      claims = verifyJwt(token, options.jwtSecret);
    }
    const role = typeof claims.role === "string" && claims.role !== "" ? claims.role : anonRole;
    claims = { ...claims, role };

    const profile = header(req, method === "POST" ? "content-profile" : "accept-profile");
    const schema = profile ?? schemas[0]!;
    if (!schemas.includes(schema)) {
      throw pgrstError(406, "PGRST106", `The schema must be one of the following: ${schemas.join(", ")}`);
    }

    let args: Record<string, unknown>;
    if (method === "POST") {
      const text = await readBody(req);
      let parsed: unknown;
      try {
        parsed = text === "" ? {} : JSON.parse(text);
      } catch {
        throw pgrstError(400, "PGRST102", "Empty or invalid json");
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw pgrstError(400, "PGRST102", "Empty or invalid json");
      }
      args = parsed as Record<string, unknown>;
    } else {
      args = Object.fromEntries(url.searchParams);
      delete args.apikey;
    }

    const given = Object.keys(args);
    const candidates = (await loadFunctions(schema, fnName)).filter(
      (fn) => given.every((name) => fn.names.includes(name)) && fn.names.slice(0, fn.required).every((name) => given.includes(name)),
    );
    if (candidates.length === 0) {
      const list = given.slice().sort().join(", ");
      throw pgrstError(
        404,
        "PGRST202",
        `Could not find the function ${schema}.${fnName}(${list}) in the schema cache`,
        `Searched for the function ${schema}.${fnName} with parameters ${list || "(none)"} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      );
    }
    if (candidates.length > 1) throw pgrstError(300, "PGRST203", `Could not choose the best candidate function for ${schema}.${fnName}`);
    const fn = candidates[0]!;
    if (fn.returnsSet) throw pgrstError(501, "STAND-IN", "Set-returning functions are not covered by this stand-in");

    const lowered: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === "cookie" || value === undefined) continue;
      lowered[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const locals: Record<string, string> = {
      search_path: [schema, ...extraSearchPath].map(quoteIdent).join(", "),
      role,
      "request.jwt.claims": JSON.stringify(claims),
      "request.method": method,
      "request.path": url.pathname.slice("/rest/v1".length),
      "request.headers": JSON.stringify(lowered),
      "request.cookies": "{}",
    };
    for (const [name, value] of (await loadRoleSettings()).get(role) ?? []) locals[name] = value;
    stats.lastLocals = locals;

    const columns = given.map((name) => `${quoteIdent(name)} ${fn.types[fn.names.indexOf(name)]}`);
    const call = `${quoteIdent(schema)}.${quoteIdent(fnName)}(${given.map((name) => `${quoteIdent(name)} := _.${quoteIdent(name)}`).join(", ")})`;
    const query =
      given.length === 0
        ? `select to_json(${call})::text as body`
        : `select to_json(${call})::text as body from json_to_record($1::text::json) as _(${columns.join(", ")})`;
    const readOnly = method !== "POST" || !fn.volatile;
    const names = Object.keys(locals);
    const setLocals = `select ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`;

    let body: string;
    try {
      body = await sql.begin(readOnly ? "read only" : "read write", async (tx) => {
        await tx.unsafe(setLocals, names.flatMap((name) => [name, locals[name]!]));
        const rows = await tx.unsafe<{ body: string | null }[]>(query, given.length === 0 ? [] : [JSON.stringify(args)]);
        return rows[0]?.body ?? "null";
      });
    } catch (error) {
      if (error instanceof postgres.PostgresError) {
        throw new HttpError(errorStatus(error.code, error.message, role !== anonRole), {
          code: error.code,
          details: error.detail ?? null,
          hint: error.hint ?? null,
          message: error.message,
        });
      }
      throw pgrstError(503, "PGRST001", "Database client error. Retrying the connection.", String((error as Error).message));
    }
    send(res, 200, method === "HEAD" ? "" : body, { "content-profile": schema });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(res, error.status, JSON.stringify(error.body), error.headers);
      } else {
        send(res, 500, JSON.stringify({ code: "STAND-IN", message: String(error), details: null, hint: null }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;

  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    stats,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sql.end({ timeout: 5 });
    },
  };
}

/** PostgREST's status for a SQLSTATE (Error.hs pgErrorStatus / serverErrorStatus). */
export function errorStatus(code: string, message: string, authed: boolean): number {
  const exact: Record<string, number> = {
    "23503": 409, "23505": 409, "25006": 405, "53400": 500, "57P01": 503, P0001: 400,
    "42P01": 404, "42P17": 500,
  };
  if (code === "21000") return message.endsWith("requires a WHERE clause") ? 400 : 500;
  if (code === "22023") return message.startsWith("role") && message.endsWith("does not exist") ? 401 : 400;
  if (code === "42883") return message.startsWith("function xmlagg(") ? 406 : 404;
  if (code === "42501") return authed ? 403 : 401;
  if (exact[code] !== undefined) return exact[code]!;
  if (code.startsWith("PT")) {
    const status = Number(code.slice(2));
    return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
  }
  const byClass: Record<string, number> = {
    "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500, "38": 500, "39": 500, "3B": 500,
    "40": 500, "53": 503, "54": 500, "55": 500, "57": 500, "58": 500, F0: 500, HV: 500, P0: 500, XX: 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

/** An HS256 JWT, as Supabase's anon and service_role keys are. */
export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(payload)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** PostgREST's checks, with its error codes: shape (PGRST301), signature (PGRST301), exp (PGRST303). */
function verifyJwt(token: string, secret: string): Record<string, unknown> {
  const invalid = (message: string) =>
    new HttpError(401, { code: "PGRST301", details: null, hint: null, message }, {
      "WWW-Authenticate": `Bearer error="invalid_token", error_description="${message}"`,
    });
  if (token === "") throw invalid("Empty JWT is sent in Authorization header");
  const parts = token.split(".");
  if (parts.length !== 3) throw invalid(`Expected 3 parts in JWT; got ${parts.length}`);
  const [head, payload, signature] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw invalid("JWT couldn't be decoded");
  }
  if (header.alg !== "HS256") throw invalid("Wrong or unsupported encoding algorithm");
  const expected = createHmac("sha256", secret).update(`${head}.${payload}`).digest();
  const actual = Buffer.from(signature, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw invalid("No suitable key or wrong key type");
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) {
    throw new HttpError(401, { code: "PGRST303", details: null, hint: null, message: "JWT expired" }, {
      "WWW-Authenticate": 'Bearer error="invalid_token", error_description="JWT expired"',
    });
  }
  return claims;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
