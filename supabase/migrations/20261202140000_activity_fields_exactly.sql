-- The doc's fields, exactly (issue 9) and the nesting limit repeated in SQL (issue 15, item 5).
--
-- metadata comes back exactly as sent: the same keys in the same order, every number as written.
-- jsonb sorted the keys (shortest first) and rewrote numbers; app.activities.metadata is now
-- `json`, which keeps the text. It is stored compact (no insignificant whitespace) so that every
-- path answers the same bytes: the gateway sends compact text, PostgREST passes the member's
-- text as the client wrote it (json_to_record over the raw body), and both go through
-- app_private.compact_json. Rows written before keep jsonb's order (already lost), compacted.
--
-- What depended on jsonb: the column's CHECK (jsonb_typeof → json_typeof), create_activity's
-- nullif(…::jsonb) (now a json_typeof test), activity_json (json_build_object embeds a json value's
-- text verbatim: unchanged), the activity.created trigger (builds its payload with activity_json
-- and stores it as text: unchanged). No index, view or policy reads metadata. json has no equality
-- operator: nothing compares activities rows or groups by metadata.
--
-- A number is refused (invalid_field, param metadata) when a client reading it as an IEEE double
-- would not get its value: |value| >= 2^53 (beyond ±(2^53-1): 1e400, 9007199254740993, 1e300,
-- 9007199254740993.5), a non-zero |value| below 2.2250738585072014e-308 (1e-400 would read as 0;
-- subnormals lose digits), and any exponent of 1000 or more in magnitude. 1.0, 2.50 and -0 are
-- kept as written (their value is exact; the text comes back unchanged).
--
-- entity_id must be a UUID in the canonical 8-4-4-4-12 form, any letter case; it is stored lower
-- case. The column stays text: rows written before keep their ids, only new writes are checked.
--
-- app_private.activity_field_problem is the ONE place for an activity's field rules (create now,
-- PATCH and batch later): a SQL function without SET, so it is inlined into the caller's
-- expression, fully qualified, returning {code, param, detail} of the first failing check, or
-- null. Call it with the row's final values and metadata already compacted.
--
-- Cost (measured on PostgreSQL 15, backend CPU over 5,000 create_activity transactions, six runs
-- each, before/after this migration): median 151 vs 130 ticks (~0.30 vs ~0.26 ms a write): no
-- slower, as the jsonb conversion it drops cost more than the checks it adds. The field checks
-- alone: ~7.7 µs a call for typical metadata; the closer looks run only past their cheap tests.

-- JSON text without insignificant whitespace: keys, order, numbers and strings untouched.
-- Strings are matched first (and kept, \1) so that a space inside one stays.
create function app_private.compact_json(doc json) returns json
language sql immutable parallel safe
as $$
  select case when doc::text operator(pg_catalog.~) '[ \t\n\r]'
              then pg_catalog.regexp_replace(doc::text, '("(?:[^"\\]|\\.)*")|[ \t\n\r]+', '\1', 'g')::json
              else doc end
$$;
revoke execute on function app_private.compact_json(json) from public;
grant execute on function app_private.compact_json(json) to anon, service_role;

-- The deepest nesting of a JSON text: the top object or array is level 1.
create function app_private.json_nesting(doc json) returns integer
language plpgsql immutable parallel safe set search_path = ''
as $$
begin
  return (
    select coalesce(max(level), 0) from (
      select sum(case when b.c in ('{', '[') then 1 else -1 end) over (order by b.n) as level
        from regexp_split_to_table(
               regexp_replace(regexp_replace(doc::text, '"(?:[^"\\]|\\.)*"', '', 'g'), '[^][{}]', '', 'g'),
               '') with ordinality as b(c, n)) levels);
end;
$$;

-- Whether a string escapes NUL (\u0000) or an unpaired surrogate: text PostgreSQL cannot store
-- or clients cannot render (jsonb refused both; json keeps the escape as written).
create function app_private.json_has_unstorable_escape(doc json) returns boolean
language plpgsql immutable parallel safe set search_path = ''
as $$
begin
  -- Escapes are read left to right, a surrogate pair as one, so \\u0000 (a backslash, then
  -- "u0000") is not taken for one.
  return exists (
    select from regexp_matches(doc::text, '\\(\\|u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)', 'g') e
     where e[1] ~* '^u(0000|d[89a-f][0-9a-f]{2})$');
end;
$$;

-- Whether a number (outside strings) would not be read back exactly as an IEEE double: see the
-- rule at the top of this file.
create function app_private.json_has_inexact_number(doc json) returns boolean
language plpgsql immutable parallel safe set search_path = ''
as $$
begin
  return exists (
    select from regexp_matches(regexp_replace(doc::text, '"(?:[^"\\]|\\.)*"', '', 'g'),
                               '-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?', 'g') t
     where case when t[1] ~ '[eE][-+]?0*[1-9][0-9]{3}' then true
                else abs(t[1]::numeric) >= 9007199254740992
                     or (t[1]::numeric <> 0 and abs(t[1]::numeric) < 2.2250738585072014e-308) end);
end;
$$;

revoke execute on function app_private.json_nesting(json), app_private.json_has_unstorable_escape(json),
  app_private.json_has_inexact_number(json) from public;
grant execute on function app_private.json_nesting(json), app_private.json_has_unstorable_escape(json),
  app_private.json_has_inexact_number(json) to anon, service_role;

create function app_private.activity_field_problem(
  type text, title text, description text, entity_type text, entity_id text, entity_name text, metadata json
) returns text[]
language sql immutable parallel safe
as $$
  select case
    when activity_field_problem.type is null or activity_field_problem.type = '' then
      array['missing_required_field', 'type', 'type is required.']
    when activity_field_problem.type operator(pg_catalog.!~) '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
      array['invalid_field', 'type', 'type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when pg_catalog.char_length(activity_field_problem.title) > 500 then
      array['invalid_field', 'title', 'title must be at most 500 characters.']
    when pg_catalog.char_length(activity_field_problem.description) > 65536 then
      array['invalid_field', 'description', 'description must be at most 65536 characters.']
    when activity_field_problem.entity_type operator(pg_catalog.!~) '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
      array['invalid_field', 'entity_type',
            'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when activity_field_problem.entity_id operator(pg_catalog.!~) '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' then
      array['invalid_field', 'entity_id', 'entity_id must be a UUID.']
    when pg_catalog.char_length(activity_field_problem.entity_name) > 500 then
      array['invalid_field', 'entity_name', 'entity_name must be at most 500 characters.']
    when pg_catalog.json_typeof(activity_field_problem.metadata) not in ('object', 'null') then
      array['invalid_field', 'metadata', 'metadata must be a JSON object.']
    -- The closer looks run only when a cheap test says they might fail (most metadata has few
    -- brackets, no escapes and only short numbers); they are PL/pgSQL so that this function has
    -- no sub-query and stays inlinable.
    -- (17 levels take 17 openers; counting them with replace is ~40 times cheaper than a regex)
    when pg_catalog.length(activity_field_problem.metadata::text)
           - pg_catalog.length(pg_catalog.replace(pg_catalog.replace(activity_field_problem.metadata::text, '{', ''), '[', '')) > 16
         and app_private.json_nesting(activity_field_problem.metadata) > 16 then
      array['invalid_field', 'metadata', 'metadata may nest at most 16 levels deep.']
    when pg_catalog.strpos(activity_field_problem.metadata::text, '\u') > 0
         and app_private.json_has_unstorable_escape(activity_field_problem.metadata) then
      array['invalid_field', 'metadata', 'metadata strings must be valid Unicode text without NUL characters.']
    when activity_field_problem.metadata::text operator(pg_catalog.~) '[0-9]{16}|[0-9][eE]'
         and app_private.json_has_inexact_number(activity_field_problem.metadata) then
      array['invalid_field', 'metadata',
            'metadata numbers must be kept exactly by an IEEE double: integers within ±(2^53-1), no overflow or underflow.']
    when pg_catalog.octet_length(activity_field_problem.metadata::text) > 8192 then
      array['metadata_too_large', 'metadata', 'metadata must be at most 8192 bytes when serialised as JSON.']
    when (activity_field_problem.entity_type is null) <> (activity_field_problem.entity_id is null) then
      array['invalid_field', case when activity_field_problem.entity_type is null then 'entity_type' else 'entity_id' end,
            'entity_type and entity_id must be given together.']
  end
$$;
revoke execute on function app_private.activity_field_problem(text, text, text, text, text, text, json) from public;
grant execute on function app_private.activity_field_problem(text, text, text, text, text, text, json) to anon, service_role;

alter table app.activities drop constraint activities_metadata_check;
alter table app.activities
  alter column metadata type json using app_private.compact_json(metadata::json);
alter table app.activities
  add constraint activities_metadata_check check (json_typeof(metadata) = 'object');
comment on column app.activities.metadata is
  'As the caller sent it, compact: json, not jsonb, so keys keep their order and numbers their text.';
comment on column app.activities.entity_id is
  'Written by the API as a lower-case UUID since 2026-12-02; rows written before may hold any 1-255 character id.';

-- The same pattern as before (see 20261202110000); the field checks now live in
-- activity_field_problem, over the compacted metadata.
create or replace function api.create_activity(
  type text default null,
  title text default null,
  description text default null,
  contact_id uuid default null,
  deal_id uuid default null,
  entity_type text default null,
  entity_id text default null,
  entity_name text default null,
  metadata json default null
) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:write');
  compact json := app_private.compact_json(create_activity.metadata);
  invalid text[] := app_private.activity_field_problem(
    create_activity.type, create_activity.title, create_activity.description, create_activity.entity_type,
    create_activity.entity_id, create_activity.entity_name, compact);
  new_activity app.activities;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;

  -- JSON null metadata is stored as SQL null; entity_id as a lower-case UUID.
  new_activity := row(
    gen_random_uuid(), key.workspace_id, create_activity.type, create_activity.title,
    create_activity.description, create_activity.contact_id, create_activity.deal_id,
    create_activity.entity_type, lower(create_activity.entity_id), create_activity.entity_name,
    case when json_typeof(compact) = 'object' then compact end, key.user_id, key.key_id, now()
  )::app.activities;
  -- No RETURNING: see 20261202110000 (a write-only key stays write-only; the composite foreign
  -- keys report another workspace's contact or deal exactly like a missing one).
  insert into app.activities (id, workspace_id, type, title, description, contact_id, deal_id,
                              entity_type, entity_id, entity_name, metadata, created_by_user_id,
                              api_key_id, created_at)
  values (new_activity.id, new_activity.workspace_id, new_activity.type, new_activity.title,
          new_activity.description, new_activity.contact_id, new_activity.deal_id,
          new_activity.entity_type, new_activity.entity_id, new_activity.entity_name,
          new_activity.metadata, new_activity.created_by_user_id, new_activity.api_key_id,
          new_activity.created_at);

  return json_build_object('workspace_id', key.workspace_id, 'activity', app_private.activity_json(new_activity));
end;
$$;
