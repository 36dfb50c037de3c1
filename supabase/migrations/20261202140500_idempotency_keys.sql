-- Idempotent writes (issue 9), Stripe's semantics, decided in SQL in the same transaction as the
-- write: a POST that creates something may carry `Idempotency-Key` (1-255 printable ASCII
-- characters), which reaches SQL the way PostgREST passes every request header, as
-- request.headers ->> 'idempotency-key' (the wire transports put it there too). Within the key's
-- workspace and for 24 hours:
--   - the same key with the same request answers the first response again, marked as a replay,
--     and writes nothing (so no trigger runs and no second webhook is queued);
--   - the same key with another request (another operation or other arguments) is
--     422 idempotency_key_reused;
--   - the same key while its first request is still running is 409 idempotency_key_in_progress
--     (no waiting: a transaction-scoped advisory lock on the workspace and key, tried once);
--     retries of a request that has finished all replay, concurrently too (no lock needed).
-- The response is stored in the transaction that writes the resource, so they commit together or
-- not at all: a request refused before it ran, refused by the function's checks, or failing on a
-- fault rolls back and stores nothing, and a corrected retry with the same key proceeds.
--
-- The helpers, for every api.* function that creates something (the pattern of
-- 20261202110000_cheaper_key_checks_and_json.sql otherwise unchanged):
--   DECLARE idempotency_key text := app_private.request_idempotency_key();   -- null: no header
--   after the input checks, when idempotency_key is not null:
--     request := json_build_array(<every argument>);
--     replayed := app_private.idempotent_replay(idempotency_key, '<function>', request);
--     if replayed is not null then return replayed; end if;
--   at the end: return app_private.remember_response(idempotency_key, '<function>', request, <result>);
-- A replay is the stored result with "idempotent_replayed": true put first; the gateway derives
-- status, body and Location from the result exactly as the first time, and answers the header
-- Idempotent-Replayed: true.
--
-- Expired keys are purged piggy-backed: every stored response deletes at most two keys expired
-- anywhere (oldest first, skipping rows another transaction holds), so the table holds about a
-- day of keys without a scheduled job, the same on Supabase (where pg_cron needs enabling by
-- hand), plain PostgreSQL and PGlite; a write without a key pays nothing. An operator may also
-- delete expired keys as the owner (`where created_at <= now() - interval '24 hours'`).

create table app.idempotency_keys (
  workspace_id uuid not null references app.workspaces (id) on delete cascade,
  -- Opaque and case-sensitive: compared byte for byte (collation "C"), which also spares the
  -- primary key's comparisons the database locale's rules.
  key text collate "C" not null check (key ~ '^[\x20-\x7e]{1,255}$'),
  -- sha256 of the function's name and its arguments as JSON.
  fingerprint bytea not null check (octet_length(fingerprint) = 32),
  -- The function's result, kept as json (not jsonb) so a replay is byte for byte the first.
  response json not null check (json_typeof(response) = 'object'),
  created_at timestamptz not null default now(),
  primary key (workspace_id, key)
);
create index idempotency_keys_created_at_idx on app.idempotency_keys (created_at);
-- Deny-all under RLS and no privilege for anon: only the SECURITY DEFINER helpers below read and
-- write it, each for the request key's own workspace.
alter table app.idempotency_keys enable row level security;
revoke all on table app.idempotency_keys from public, anon, authenticated;

-- The request's Idempotency-Key, or null when none was sent. Checked here too, for callers that
-- reach the api functions through PostgREST without the gateway.
create function app_private.request_idempotency_key() returns text
language plpgsql stable set search_path = ''
as $$
declare
  value text := nullif(current_setting('request.headers', true), '')::json ->> 'idempotency-key';
begin
  if value is not null and value !~ '^[\x20-\x7e]{1,255}$' then
    perform app_private.raise_invalid('invalid_field', 'Idempotency-Key',
      'Idempotency-Key must be 1 to 255 printable ASCII characters.');
  end if;
  return value;
end;
$$;
revoke execute on function app_private.request_idempotency_key() from public;
grant execute on function app_private.request_idempotency_key() to anon;

-- The lock that makes one request of a workspace and key run at a time; refused at once (409)
-- when another transaction holds it. Taking it again in the same transaction succeeds.
create function app_private.lock_idempotency_key(workspace uuid, idempotency_key text) returns void
language plpgsql volatile set search_path = ''
as $$
begin
  if not pg_try_advisory_xact_lock(hashtextextended(workspace::text || ' ' || idempotency_key, 0)) then
    raise sqlstate 'PT409' using message = 'idempotency_key_in_progress',
      detail = 'A request with this Idempotency-Key is still being processed. Retry after Retry-After seconds.',
      hint = 'Idempotency-Key';
  end if;
end;
$$;
revoke execute on function app_private.lock_idempotency_key(uuid, text) from public;

-- At the start of a creating function: the stored response to replay (marked), or null when the
-- key is new (or expired), after which the caller runs and stores its response. Raises 409 while
-- another request with the key runs and 422 when the key was used for another request.
create function app_private.idempotent_replay(idempotency_key text, operation text, request json) returns json
language plpgsql volatile security definer set search_path = '' set enable_seqscan = off
as $$
declare
  workspace uuid;
  stored app.idempotency_keys;
begin
  if idempotency_key is null then
    return null;
  end if;
  workspace := (app_private.request_api_key()).workspace_id;
  -- A stored response is final: replay it without the lock, so concurrent retries of a finished
  -- request all get it. Otherwise take the lock (409 if another request holds it) and look again
  -- in a new statement, which (READ COMMITTED) sees a first request that committed meanwhile.
  select * into stored from app.idempotency_keys k
   where k.workspace_id = workspace and k.key = idempotency_key and k.created_at > now() - interval '24 hours';
  if not found then
    perform app_private.lock_idempotency_key(workspace, idempotency_key);
    select * into stored from app.idempotency_keys k
     where k.workspace_id = workspace and k.key = idempotency_key and k.created_at > now() - interval '24 hours';
    if not found then
      return null;
    end if;
  end if;
  if stored.fingerprint <> sha256(convert_to(operation || ' ' || request::text, 'UTF8')) then
    raise sqlstate 'PT422' using message = 'idempotency_key_reused',
      detail = 'This Idempotency-Key was used with a different request in the last 24 hours. Use a new key for a new request.',
      hint = 'Idempotency-Key';
  end if;
  -- The stored object with the marker first; the rest of its text (key order, spacing) as stored.
  return ('{"idempotent_replayed":true,' || substr(stored.response::text, strpos(stored.response::text, '{') + 1))::json;
end;
$$;
revoke execute on function app_private.idempotent_replay(text, text, json) from public;
grant execute on function app_private.idempotent_replay(text, text, json) to anon;

-- Deletes at most two expired keys, oldest first, skipping rows another transaction holds.
-- Sequential scans are off here and in idempotent_replay: a session keeps the plans of a PL/pgSQL
-- function, and a plan made while the table was small (a new deployment) scanned the whole table
-- on every write until an ANALYZE replaced it (measured: 80 µs of CPU per call at 2,000 keys,
-- 300 µs at 6,000). The limit is a constant for the same reason: PL/pgSQL's generic plan for
-- `limit $1` assumed a tenth of the table and sorted it.
create function app_private.purge_idempotency_keys() returns integer
language plpgsql volatile security definer set search_path = '' set enable_seqscan = off
as $$
declare
  purged integer;
begin
  delete from app.idempotency_keys k
   where k.ctid = any (array(
     select e.ctid from app.idempotency_keys e
      where e.created_at <= now() - interval '24 hours'
      order by e.created_at
      limit 2
        for update skip locked));
  get diagnostics purged = row_count;
  return purged;
end;
$$;
revoke execute on function app_private.purge_idempotency_keys() from public;

-- At the end of a creating function: stores `response` for the key (nothing without one) and
-- returns it unchanged. Same arguments as idempotent_replay, which must have run first.
create function app_private.remember_response(idempotency_key text, operation text, request json, response json)
returns json
language plpgsql volatile security definer set search_path = ''
as $$
declare
  workspace uuid;
begin
  if idempotency_key is null then
    return response;
  end if;
  workspace := (app_private.request_api_key()).workspace_id;
  perform app_private.lock_idempotency_key(workspace, idempotency_key);
  insert into app.idempotency_keys as k (workspace_id, key, fingerprint, response, created_at)
  values (workspace, idempotency_key, sha256(convert_to(operation || ' ' || request::text, 'UTF8')), response, now())
  on conflict (workspace_id, key) do update
    set fingerprint = excluded.fingerprint, response = excluded.response, created_at = excluded.created_at
    where k.created_at <= now() - interval '24 hours';
  if not found then
    raise exception 'remember_response: the Idempotency-Key already has a response; call idempotent_replay first';
  end if;
  perform app_private.purge_idempotency_keys();
  return response;
end;
$$;
revoke execute on function app_private.remember_response(text, text, json, json) from public;
grant execute on function app_private.remember_response(text, text, json, json) to anon;
