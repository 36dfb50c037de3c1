// A stand-in for Supabase's /rest/v1/rpc/<fn> endpoint (the platform's API gateway + PostgREST),
// in front of a real PostgreSQL, so that supabase-js's real requests and our mapping of
// PostgREST's answers run end to end without Docker. Per request it does what the platform and
// PostgREST document and do (PostgREST: ApiRequest.hs, Auth, Query/PreQuery.hs txVarQuery,
// Config/Database.hs queryRoleSettings, Error.hs):
//   - gateway: the `apikey` header (or ?apikey=) must be a publishable key of the project
//     (`sb_publishable_…`; a bearer token equal to it is swapped for the anon claims the platform
//     mints) or a legacy JWT signed with the project's secret — unless legacy keys are disabled
//     ("Legacy API keys are disabled") — else 401; GET/HEAD go to the read replica when one is
//     configured, as the API load balancer routes them;
//   - PostgREST: the first Authorization header, if it is a Bearer token, verified (HS256, exp);
//     its `role` claim (default the anon role) impersonated; any other scheme is anonymous;
//     schema from Content-Profile (POST) / Accept-Profile (GET), which must be an exposed one,
//     else 406 PGRST106;
//   - the function found in the catalog by schema, name and argument names (404 PGRST202);
//   - one transaction at the role's isolation level (READ ONLY for GET and for non-volatile
//     functions), connected as the NOINHERIT `authenticator`: set_config of search_path, the
//     role's own settings (rolconfig only; those the connecting role may set), then the role
//     switch, request.jwt.claims (with the role), request.method, request.path, request.headers
//     (lower-cased, minus cookie, the last of duplicates), request.cookies; then the call with
//     named arguments from the JSON body (or the query string for GET) via json_to_record;
//   - errors as {code,message,details,hint} — {code,message} with client-error-verbosity
//     "minimal" — with PostgREST's status for the SQLSTATE.
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
  /** The project's publishable keys (sb_publishable_…). */
  publishableKeys?: string[];
  /** The project has disabled its legacy (JWT) API keys. */
  legacyKeysDisabled?: boolean;
  /** Where GET and HEAD requests run, as Supabase's API load balancer sends them to a replica. */
  readReplicaUrl?: string;
  /** PostgREST's client-error-verbosity. */
  clientErrorVerbosity?: "verbose" | "minimal";
  /** The project ref the platform puts in the claims it mints for a publishable key. */
  projectRef?: string;
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
  /**
   * Requests received (and their methods), the SQL settings of the last call in the order they
   * were set, and its transaction isolation (for assertions).
   */
  stats: { requests: number; methods: string[]; lastLocals: Record<string, string> | null; lastIsolation: string | null };
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

interface RoleSettings {
  settings: Array<[string, string]>;
  isolation: string;
}

export async function startPostgrestStandIn(options: PostgrestStandInOptions): Promise<PostgrestStandIn> {
  const schemas = options.schemas ?? ["api"];
  const extraSearchPath = options.extraSearchPath ?? ["public", "extensions"];
  const anonRole = options.anonRole ?? "anon";
  const connect = (url: string) => postgres(url, { max: 4, onnotice: () => {}, connection: { application_name: "postgrest-stand-in" } });
  const sql = connect(options.databaseUrl);
  const replica = options.readReplicaUrl ? connect(options.readReplicaUrl) : undefined;
  const stats: PostgrestStandIn["stats"] = { requests: 0, methods: [], lastLocals: null, lastIsolation: null };

  // PostgREST reads these once at start-up (queryRoleSettings); so does the stand-in, lazily:
  // for every role the connecting role is a member of, its settings for all databases, only
  // those with `user` context or that the connecting role was granted SET on, and
  // default_transaction_isolation apart, as the transaction's isolation level.
  let roleSettings: Promise<Map<string, RoleSettings>> | undefined;
  const loadRoleSettings = () =>
    (roleSettings ??= sql<{ rolname: string; name: string; value: string }[]>`
      with settings as (
        select r.rolname, c.n,
               substr(c.setting, 1, strpos(c.setting, '=') - 1) as name,
               substr(c.setting, strpos(c.setting, '=') + 1) as value
          from pg_catalog.pg_auth_members m
          join pg_catalog.pg_roles r on r.oid = m.roleid,
               unnest(r.rolconfig) with ordinality as c(setting, n)
         where m.member = current_user::regrole
      )
      select s.rolname, s.name, s.value
        from settings s
        join pg_catalog.pg_settings p on p.name = s.name
       where p.context = 'user' or has_parameter_privilege(current_user, p.name, 'set')
       order by s.rolname, s.n`.then((rows) => {
      const byRole = new Map<string, RoleSettings>();
      for (const row of rows) {
        const role = byRole.get(row.rolname) ?? { settings: [], isolation: "read committed" };
        if (row.name === "default_transaction_isolation") {
          const level = row.value.toLowerCase();
          role.isolation = level === "repeatable read" || level === "serializable" ? level : "read committed";
        } else {
          role.settings.push([row.name, row.value]);
        }
        byRole.set(row.rolname, role);
      }
      return byRole;
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
    const method = req.method ?? "GET";
    stats.methods.push(method);
    const match = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(url.pathname);
    if (!match) throw pgrstError(404, "PGRST125", "Invalid path specified in request URL");
    if (!["GET", "HEAD", "POST"].includes(method)) throw pgrstError(405, "PGRST117", `Unsupported HTTP method: ${method}`);
    const fnName = decodeURIComponent(match[1]!);

    // The gateway: the apikey must be one of the project's keys.
    const apikey = firstHeader(req, "apikey") ?? url.searchParams.get("apikey");
    if (!apikey) {
      throw new HttpError(401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
    }
    const publishable = options.publishableKeys?.includes(apikey) ?? false;
    if (!publishable) {
      if (options.legacyKeysDisabled && apikey.split(".").length === 3) {
        throw new HttpError(401, { message: "Legacy API keys are disabled" });
      }
      try {
        verifyJwt(apikey, options.jwtSecret);
      } catch {
        throw new HttpError(401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
      }
    }

    // PostgREST: the first Authorization header, if it is a Bearer token, decides the role;
    // without one (or with another scheme), the anon role. A bearer that is the publishable
    // key itself reaches PostgREST as the anon claims the platform mints for it.
    const authorization = firstHeader(req, "authorization");
    const bearer = bearerToken(authorization);
    let claims: Record<string, unknown> =
      bearer === undefined ? {} : publishable && bearer === apikey ? mintedAnonClaims(options.projectRef) : verifyJwt(bearer, options.jwtSecret);
    const role = typeof claims.role === "string" && claims.role !== "" ? claims.role : anonRole;
    claims = { ...claims, role };

    const profile = firstHeader(req, method === "POST" ? "content-profile" : "accept-profile");
    const schema = profile ?? schemas[0]!;
    if (!schemas.includes(schema)) {
      throw pgrstError(406, "PGRST106", `The schema must be one of the following: ${schemas.join(", ")}`);
    }

    let args: Record<string, unknown>;
    // PostgREST hands the raw body to json_to_record (RawJSON payload, Query/SqlFragment.hs
    // fromJsonBodyF), so a json parameter gets the member's text as the client wrote it — key
    // order, integer-like keys, numbers. So does the stand-in: never a re-serialised parse.
    let rawBody: string | undefined;
    if (method === "POST") {
      const text = await readBody(req);
      rawBody = text === "" ? "{}" : text;
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

    // Every header as sent (Node would join or drop duplicates), lower-cased, the last value of
    // a repeated one winning, as PostgREST's HashMap.fromList does.
    const lowered: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase();
      if (name !== "cookie") lowered[name] = req.rawHeaders[i + 1]!;
    }
    const { settings: ownSettings, isolation } = (await loadRoleSettings()).get(role) ?? { settings: [], isolation: "read committed" };
    // Object key order is the order of the set_config calls; role settings before the role.
    const locals: Record<string, string> = {
      search_path: [schema, ...extraSearchPath].map(quoteIdent).join(", "),
      ...Object.fromEntries(ownSettings),
      role,
      "request.jwt.claims": JSON.stringify(claims),
      "request.method": method,
      "request.path": url.pathname.slice("/rest/v1".length),
      "request.headers": JSON.stringify(lowered),
      "request.cookies": "{}",
    };
    stats.lastLocals = locals;
    stats.lastIsolation = isolation;

    const columns = given.map((name) => `${quoteIdent(name)} ${fn.types[fn.names.indexOf(name)]}`);
    const call = `${quoteIdent(schema)}.${quoteIdent(fnName)}(${given.map((name) => `${quoteIdent(name)} := _.${quoteIdent(name)}`).join(", ")})`;
    const query =
      given.length === 0
        ? `select to_json(${call})::text as body`
        : `select to_json(${call})::text as body from json_to_record($1::text::json) as _(${columns.join(", ")})`;
    const readOnly = method !== "POST" || !fn.volatile;
    const names = Object.keys(locals);
    const setLocals = `select ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`;

    const database = replica && method !== "POST" ? replica : sql;
    let body: string;
    try {
      body = await database.begin(`isolation level ${isolation} ${readOnly ? "read only" : "read write"}`, async (tx) => {
        await tx.unsafe(setLocals, names.flatMap((name) => [name, locals[name]!]));
        const rows = await tx.unsafe<{ body: string | null }[]>(query, given.length === 0 ? [] : [rawBody ?? JSON.stringify(args)]);
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
        // PostgREST's own errors (those with a code) lose details and hint when minimal.
        const { details: _details, hint: _hint, ...minimal } = error.body;
        const body = options.clientErrorVerbosity === "minimal" && "code" in error.body ? minimal : error.body;
        send(res, error.status, JSON.stringify(body), error.headers);
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
      await replica?.end({ timeout: 5 });
    },
  };
}

/** A legacy anon key as the platform issues them (role anon, ten years' validity). */
export function signAnonKey(secret: string, projectRef = "standinproject"): string {
  const iat = Math.floor(Date.now() / 1000);
  return signJwt({ iss: "supabase", ref: projectRef, role: "anon", iat, exp: iat + 10 * 365 * 86_400 }, secret);
}

/** The claims PostgREST sees for a request made with a publishable key. */
function mintedAnonClaims(projectRef = "standinproject"): Record<string, unknown> {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: "supabase", ref: projectRef, role: "anon", iat, exp: iat + 3600 };
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

/** wai's extractBearerAuth: the token after a case-insensitive "Bearer" scheme, else undefined. */
function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.search(/\s/);
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  if (scheme.toLowerCase() !== "bearer") return undefined;
  return space === -1 ? "" : authorization.slice(space).trim();
}

/** The first value of a header, as PostgREST's `lookup` finds it. */
function firstHeader(req: http.IncomingMessage, name: string): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1];
  }
  return undefined;
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
