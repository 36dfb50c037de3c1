-- The timeline reads (issue 9): GET /v1/activities, /v1/contacts/{id}/activities and
-- /v1/deals/{id}/activities are all this one function, one round trip, under RLS as the key.
--
-- Paging is by keyset on (created_at, id), newest first: a page is the `max_results` rows just
-- below the cursor activity in that order, read by walking one index (previous migration)
-- backwards. Rows committed before the first page is read are each returned exactly once,
-- whatever is written meanwhile: a new activity sorts above the pages already read, and the
-- position of an existing one never changes. `starting_after` must be an activity of this very
-- listing (same workspace, same filters): the page is read from the cursor row itself,
-- inclusive, and the cursor is refused when that row is not the first one found — another
-- workspace's activity, a missing one and one filtered out answer exactly alike.
--
-- The page is read by one of five statements, one per index (the contact's, the deal's, the
-- entity's, one type's, the workspace's), chosen by the filters given; the other filters are
-- conditions on the rows that index yields, and the time window and the cursor are bounds of
-- the index range (null bounds become ±infinity). Each statement keeps one cached plan that
-- is right for every call: planning the page afresh on each call, for the filters at hand,
-- cost more than the rest of the call (measured: 200 of 465 µs of CPU for a 25-row page).
--
-- Others may reuse it (a batch read, a listing after an update): every filter is a parameter,
-- `timeline_of` names the contact or deal whose timeline it is (404 when the key cannot see it).

-- Whether the key (with activities:read) sees this contact / deal. SECURITY DEFINER: anon holds
-- no privilege on contacts and deals; the workspace is the key's own, never a parameter.
create function app_private.key_sees_contact(contact_id uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  -- Resolved once, before the query: in its WHERE clause the planner would also evaluate it
  -- (a stable function) to estimate selectivity — a second key lookup.
  workspace uuid := app_private.key_workspace_with_scope(array['activities:read']);
begin
  return exists (select from app.contacts c where c.id = key_sees_contact.contact_id and c.workspace_id = workspace);
end;
$$;

create function app_private.key_sees_deal(deal_id uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  -- Resolved once, before the query: in its WHERE clause the planner would also evaluate it
  -- (a stable function) to estimate selectivity — a second key lookup.
  workspace uuid := app_private.key_workspace_with_scope(array['activities:read']);
begin
  return exists (select from app.deals d where d.id = key_sees_deal.deal_id and d.workspace_id = workspace);
end;
$$;

create function api.list_activities(
  contact_id uuid default null,
  deal_id uuid default null,
  entity_type text default null,
  entity_id text default null,
  types text[] default null,
  created_after timestamptz default null,
  created_before timestamptz default null,
  max_results integer default 25,
  starting_after uuid default null,
  timeline_of text default null
) returns json
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  key app_private.api_key_context := app_private.require_scope('activities:read');
  invalid text[] := case
    when list_activities.timeline_of not in ('contact', 'deal') then
      array['invalid_field', 'timeline_of', 'timeline_of must be contact or deal.']
    when list_activities.timeline_of = 'contact' and list_activities.contact_id is null then
      array['missing_required_field', 'contact_id', 'contact_id is required.']
    when list_activities.timeline_of = 'deal' and list_activities.deal_id is null then
      array['missing_required_field', 'deal_id', 'deal_id is required.']
    when (list_activities.entity_type is null) <> (list_activities.entity_id is null) then
      array['invalid_field', case when list_activities.entity_type is null then 'entity_type' else 'entity_id' end,
            'entity_type and entity_id must be given together.']
    when list_activities.entity_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' then
      array['invalid_field', 'entity_type',
            'entity_type must be 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when list_activities.entity_id !~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' then
      array['invalid_field', 'entity_id', 'entity_id must be a UUID.']
    when cardinality(list_activities.types) not between 1 and 20
      or array_position(list_activities.types, null) is not null
      or strpos(array_to_string(list_activities.types, ''), ',') > 0
      or array_to_string(list_activities.types, ',') !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}(,[A-Za-z0-9][A-Za-z0-9_.:-]{0,63})*$' then
      array['invalid_field', 'type',
            'type must be 1 to 20 types, each 1-64 letters, digits, "_", "-", "." or ":", starting with a letter or digit.']
    when list_activities.max_results is null or list_activities.max_results not between 1 and 100 then
      array['invalid_field', 'limit', 'limit must be between 1 and 100.']
  end;
  -- New writes store entity_id as lower-case UUID text; a filter in any case finds them.
  entity_key text := lower(list_activities.entity_id);
  -- With a cursor, the cursor row comes first and is not part of the page.
  skip integer := (list_activities.starting_after is not null)::integer;
  cursor_refused constant text := 'starting_after must be the id of the last activity of the previous page of this same listing.';
  cursor_at timestamptz;
  after_at timestamptz;
  before_at timestamptz;
  upto_at timestamptz;
  upto_id uuid;
  page_size integer;
  candidates app.activities[];
  has_more boolean;
begin
  if invalid is not null then
    perform app_private.raise_invalid(invalid[1], invalid[2], invalid[3]);
  end if;
  if timeline_of = 'contact' and not app_private.key_sees_contact(list_activities.contact_id) then
    raise sqlstate 'PT404' using message = 'contact_not_found', hint = 'contact_id',
      detail = format('No contact with id %s exists in this workspace.', list_activities.contact_id);
  elsif timeline_of = 'deal' and not app_private.key_sees_deal(list_activities.deal_id) then
    raise sqlstate 'PT404' using message = 'deal_not_found', hint = 'deal_id',
      detail = format('No deal with id %s exists in this workspace.', list_activities.deal_id);
  end if;

  -- The cursor's place in the order; a cursor the key cannot see is refused at once.
  if list_activities.starting_after is not null then
    select c.created_at into cursor_at from app.activities c where c.id = list_activities.starting_after;
    if not found then
      perform app_private.raise_invalid('invalid_field', 'starting_after', cursor_refused);
    end if;
  end if;
  after_at := coalesce(list_activities.created_after, '-infinity');
  before_at := coalesce(list_activities.created_before, 'infinity');
  upto_at := coalesce(cursor_at, 'infinity');
  upto_id := coalesce(list_activities.starting_after, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  page_size := list_activities.max_results + skip + 1;

  -- Each statement: the row from the columns anon may read (api_key_id is not one of them), the
  -- index's own condition first, the time window and the cursor as the index range, then the
  -- other filters. The same conditions in each, so that a cursor's listing is the same rows
  -- whichever index reads it.
  if list_activities.contact_id is not null then
    candidates := array(
      select row(a.id, a.workspace_id, a.type, a.title, a.description, a.contact_id, a.deal_id, a.entity_type,
                 a.entity_id, a.entity_name, a.metadata, a.created_by_user_id, null, a.created_at)::app.activities
        from app.activities a
       where a.contact_id = list_activities.contact_id and a.workspace_id = key.workspace_id
         and a.created_at > after_at and a.created_at < before_at and (a.created_at, a.id) <= (upto_at, upto_id)
         and (list_activities.deal_id is null or a.deal_id = list_activities.deal_id)
         and (list_activities.entity_type is null or (a.entity_type = list_activities.entity_type and a.entity_id = entity_key))
         and (list_activities.types is null or a.type = any (list_activities.types))
       order by a.created_at desc, a.id desc
       limit page_size);
  elsif list_activities.deal_id is not null then
    candidates := array(
      select row(a.id, a.workspace_id, a.type, a.title, a.description, a.contact_id, a.deal_id, a.entity_type,
                 a.entity_id, a.entity_name, a.metadata, a.created_by_user_id, null, a.created_at)::app.activities
        from app.activities a
       where a.deal_id = list_activities.deal_id and a.workspace_id = key.workspace_id
         and a.created_at > after_at and a.created_at < before_at and (a.created_at, a.id) <= (upto_at, upto_id)
         and (list_activities.entity_type is null or (a.entity_type = list_activities.entity_type and a.entity_id = entity_key))
         and (list_activities.types is null or a.type = any (list_activities.types))
       order by a.created_at desc, a.id desc
       limit page_size);
  elsif list_activities.entity_type is not null then
    candidates := array(
      select row(a.id, a.workspace_id, a.type, a.title, a.description, a.contact_id, a.deal_id, a.entity_type,
                 a.entity_id, a.entity_name, a.metadata, a.created_by_user_id, null, a.created_at)::app.activities
        from app.activities a
       where a.workspace_id = key.workspace_id and a.entity_type = list_activities.entity_type and a.entity_id = entity_key
         and a.created_at > after_at and a.created_at < before_at and (a.created_at, a.id) <= (upto_at, upto_id)
         and (list_activities.types is null or a.type = any (list_activities.types))
       order by a.created_at desc, a.id desc
       limit page_size);
  elsif cardinality(list_activities.types) = 1 then
    candidates := array(
      select row(a.id, a.workspace_id, a.type, a.title, a.description, a.contact_id, a.deal_id, a.entity_type,
                 a.entity_id, a.entity_name, a.metadata, a.created_by_user_id, null, a.created_at)::app.activities
        from app.activities a
       where a.workspace_id = key.workspace_id and a.type = list_activities.types[1]
         and a.created_at > after_at and a.created_at < before_at and (a.created_at, a.id) <= (upto_at, upto_id)
       order by a.created_at desc, a.id desc
       limit page_size);
  else
    candidates := array(
      select row(a.id, a.workspace_id, a.type, a.title, a.description, a.contact_id, a.deal_id, a.entity_type,
                 a.entity_id, a.entity_name, a.metadata, a.created_by_user_id, null, a.created_at)::app.activities
        from app.activities a
       where a.workspace_id = key.workspace_id
         and a.created_at > after_at and a.created_at < before_at and (a.created_at, a.id) <= (upto_at, upto_id)
         and (list_activities.types is null or a.type = any (list_activities.types))
       order by a.created_at desc, a.id desc
       limit page_size);
  end if;
  -- The cursor row, when it belongs to this listing, is the first row read (the range includes it).
  if skip = 1 and (cardinality(candidates) = 0 or (candidates[1]).id <> list_activities.starting_after) then
    perform app_private.raise_invalid('invalid_field', 'starting_after', cursor_refused);
  end if;
  has_more := cardinality(candidates) > list_activities.max_results + skip;
  return json_build_object(
    'workspace_id', key.workspace_id,
    'activities', coalesce((
      select json_agg(app_private.activity_json(candidates[i]) order by i)
        from generate_series(1 + skip, least(cardinality(candidates), list_activities.max_results + skip)) i
    ), '[]'),
    'has_more', has_more,
    'next_cursor', case when has_more then 'act_' || (candidates[list_activities.max_results + skip]).id end
  );
end;
$$;

revoke execute on function
  app_private.key_sees_contact(uuid),
  app_private.key_sees_deal(uuid),
  api.list_activities(uuid, uuid, text, text, text[], timestamptz, timestamptz, integer, uuid, text)
from public;
grant execute on function
  app_private.key_sees_contact(uuid),
  app_private.key_sees_deal(uuid),
  api.list_activities(uuid, uuid, text, text, text[], timestamptz, timestamptz, integer, uuid, text)
to anon;
