-- The periodic sweep on Supabase, where no long-lived process listens: a pg_cron job pokes the
-- webhook-dispatcher function (through pg_net, see admin.configure_webhook_dispatcher) whenever
-- deliveries are due — retries whose time has come, or activity pokes that were lost — and a
-- daily job prunes finished deliveries older than 30 days. Only where pg_cron is installed
-- (enable it in the dashboard, then re-run this block if it was missing when migrations ran);
-- elsewhere the Node runner's timer does the same work and this migration does nothing.

do $$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    -- Named jobs are replaced, not duplicated, when scheduled again.
    perform cron.schedule('webhook-dispatcher-sweep', '5 seconds',
                          'select app_private.sweep_webhook_deliveries()');
    perform cron.schedule('webhook-outbox-prune', '17 3 * * *',
                          'select app_private.prune_webhook_outbox(interval ''30 days'')');
  end if;
end;
$$;
