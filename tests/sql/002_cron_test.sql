-- pg_cron runs a scheduled job in the application database and records the
-- run in cron.job_run_details. pg_cron 1.4 (Debian 12) schedules by the
-- minute, so this waits for the next minute boundary (at most ~75 s).
-- No surrounding transaction: pg_cron only sees a committed job.
\set ON_ERROR_STOP 1
SELECT plan(4);

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

SELECT cron.schedule('nanbyo-test-heartbeat', '* * * * *', 'SELECT nanbyo.version()') AS jobid \gset

SELECT ok(EXISTS (SELECT FROM cron.job WHERE jobid = :jobid AND database = current_database()),
          'the job is scheduled in this database');
SELECT is(pg_temp.wait_for_cron_run(:jobid, 75), 'succeeded', 'pg_cron ran the job');
SELECT is((SELECT return_message FROM cron.job_run_details
            WHERE jobid = :jobid ORDER BY start_time DESC LIMIT 1),
          'SELECT 1', 'the job called the extension and returned one row');
SELECT ok(cron.unschedule(:jobid), 'the job is unscheduled');

SELECT * FROM finish();
