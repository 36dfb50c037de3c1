-- The pg_cron jobs of 20261127110300_webhook_sweep_pg_cron.sql as a function operators can run:
-- that migration schedules them only if pg_cron was already enabled when it ran, and Supabase
-- projects start without pg_cron. After enabling it (Database → Extensions → pg_cron), run
-- `select admin.schedule_webhook_jobs();` once; running it again changes nothing.
--
-- The sweep runs every 5 seconds where pg_cron accepts second schedules (1.5 and later; Supabase
-- ships 1.6) and every minute on older releases (Debian bookworm's postgresql-15-cron is 1.4),
-- which refuse '5 seconds' — and on which that earlier migration fails if pg_cron is enabled
-- before it runs: enable pg_cron after migrating there.
create function admin.schedule_webhook_jobs() returns json
language plpgsql volatile set search_path = ''
as $$
declare
  version int[];
  schedule_job regprocedure := to_regprocedure('cron.schedule(text, text, text)');
  sweep_every text;
  jobs json;
begin
  select string_to_array(split_part(e.extversion, '-', 1), '.')::int[] into version
    from pg_catalog.pg_extension e where e.extname = 'pg_cron';
  if version is null or schedule_job is null then
    raise exception 'pg_cron is not enabled in this database'
      using hint = 'Enable the pg_cron extension (Supabase: Database → Extensions), then run this again.';
  end if;
  sweep_every := case when version >= array[1, 5] then '5 seconds' else '* * * * *' end;
  -- Dynamic, like the pg_net call of app_private.poke_webhook_dispatcher: cron.* exists only
  -- where pg_cron is enabled, and the linter plans every static reference.
  execute format('select %s($1, $2, $3)', schedule_job::regproc)
    using 'webhook-dispatcher-sweep', sweep_every, 'select app_private.sweep_webhook_deliveries()';
  execute format('select %s($1, $2, $3)', schedule_job::regproc)
    using 'webhook-outbox-prune', '17 3 * * *', 'select app_private.prune_webhook_outbox(interval ''30 days'')';
  -- What is scheduled now, for the operator to see.
  execute format(
    'select json_agg(json_build_object(''job'', j.jobname, ''schedule'', j.schedule, ''command'', j.command) order by j.jobname)
       from %s j
      where j.jobname in (''webhook-dispatcher-sweep'', ''webhook-outbox-prune'') and j.username = current_user',
    to_regclass('cron.job'))
    into jobs;
  return jobs;
end;
$$;
-- The owner (Supabase: postgres, in the SQL editor) runs it; the jobs run as the owner too.
revoke execute on function admin.schedule_webhook_jobs() from public;

do $$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform admin.schedule_webhook_jobs();
  end if;
end;
$$;
