-- Two functions that `supabase db lint` (plpgsql_check) reported as errors, redefined so that the
-- lint is clean on plain PostgreSQL and on Supabase alike; behaviour is unchanged.
--
-- poke_webhook_dispatcher named net.http_post in its body. PL/pgSQL resolves that when the
-- statement is planned, so plpgsql_check fails with `schema "net" does not exist` wherever pg_net
-- is not installed (and a linted Supabase project without pg_net would see the same). The call
-- is now dynamic and names the very function the to_regprocedure guard found, so it is only
-- planned where pg_net exists (a constant query string would still be checked by the linter).
create or replace function app_private.poke_webhook_dispatcher() returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  target app_private.webhook_dispatcher_settings;
  http_post regprocedure;
begin
  -- Once per transaction: the setting is transaction-local.
  if current_setting('webhooks.dispatcher_poked', true) = 'on' then
    return;
  end if;
  perform set_config('webhooks.dispatcher_poked', 'on', true);
  http_post := to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)');
  if http_post is not null then
    select * into target from app_private.webhook_dispatcher_settings;
    if found then
      execute format('select %s(url := $1, body := $2, params := $3, headers := $4, timeout_milliseconds := $5)',
                     http_post::regproc)
        using target.url,
              '{"reason":"activity"}'::jsonb,
              '{}'::jsonb,
              jsonb_strip_nulls(jsonb_build_object(
                'Content-Type', 'application/json',
                'Authorization', target.authorization_header
              )),
              5000;
      return;
    end if;
  end if;
  perform pg_notify('webhook_deliveries', '');
end;
$$;

-- issue_webhook_secret compared the endpoint's workspace with key_workspace_with_scope(…) called
-- directly in its WHERE clause. The planner evaluates a STABLE function with constant arguments
-- while estimating that clause's selectivity, so planning the statement already resolved the
-- request's key: outside a request (plpgsql_check) that raised invalid_key, and inside one it
-- looked the key up a second time. As a scalar sub-select (as the RLS policies write it) it is
-- evaluated once, when the statement runs.
create or replace function app_private.issue_webhook_secret(endpoint_id uuid) returns text
language plpgsql volatile security definer set search_path = ''
as $$
declare
  new_secret text := 'whsec_' || encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64');
begin
  if not exists (
    select from app.webhook_endpoints e
     where e.id = issue_webhook_secret.endpoint_id
       and e.workspace_id = (select app_private.key_workspace_with_scope(array['webhooks:write']))
  ) then
    perform app_private.raise_endpoint_not_found(issue_webhook_secret.endpoint_id);
  end if;
  update app.webhook_secrets s
     set expires_at = case when s.expires_at is null then now() + interval '24 hours' else now() end
   where s.endpoint_id = issue_webhook_secret.endpoint_id and (s.expires_at is null or s.expires_at > now());
  insert into app.webhook_secrets (endpoint_id, secret) values (issue_webhook_secret.endpoint_id, new_secret);
  return new_secret;
end;
$$;
