-- The statistics refresh run by pg_cron (D1, issue #20 item 1): the job
-- function of the nightly job (stats.refresh('schedule')) scheduled for the
-- next minute boundary runs in this database and records its run. pg_cron
-- 1.4 schedules by the minute (as 002_cron_test.sql), so this waits at most
-- ~75 s. No surrounding transaction: pg_cron only sees a committed job. The
-- run replaces the published figures with the current ones, as the nightly
-- job would.
\set ON_ERROR_STOP 1
SELECT plan(5);

CREATE FUNCTION pg_temp.wait_for_cron_run(job bigint, timeout_s int)
RETURNS text
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  run_status text;
BEGIN
  FOR i IN 1 .. timeout_s * 2 LOOP
    SELECT status INTO run_status
      FROM cron.job_run_details
     WHERE jobid = job AND status IN ('succeeded', 'failed')
     ORDER BY start_time DESC
     LIMIT 1;
    IF run_status IS NOT NULL THEN
      RETURN run_status;
    END IF;
    PERFORM pg_sleep(0.5);
  END LOOP;
  RETURN 'timeout';
END
$$;

SELECT ok(EXISTS (SELECT FROM cron.job WHERE jobname = 'nanbyo-statistics-nightly' AND database = current_database()),
          'the nightly statistics job is scheduled in this database');
SELECT coalesce(max(id), 0) AS last_run FROM stats.runs \gset
SELECT cron.schedule('nanbyo-test-statistics', '* * * * *', (SELECT command FROM cron.job
                                                             WHERE jobname = 'nanbyo-statistics-nightly')) AS jobid \gset
SELECT is(pg_temp.wait_for_cron_run(:jobid, 75), 'succeeded', 'pg_cron ran the statistics refresh');
SELECT ok(cron.unschedule(:jobid), 'the test job is unscheduled');
SELECT is((SELECT trigger || ' ' || status FROM stats.runs WHERE id > :last_run ORDER BY id LIMIT 1),
          'schedule succeeded', 'the scheduled run is recorded as such');
SELECT ok((SELECT duration_ms IS NOT NULL FROM stats.runs WHERE id > :last_run ORDER BY id LIMIT 1),
          'with its duration');

SELECT * FROM finish();
