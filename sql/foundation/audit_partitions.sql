-- The audit log's monthly partitions (D2, E3; the table:
-- sql/foundation/migrations/0006_audit_log_partitions.sql). One partition
-- per month of Japan time, named audit_log_YYYY_MM, made three months
-- ahead by a pg_cron job every night; a default partition takes what has
-- no month yet, so an insert never fails. Nothing is ever dropped: ten
-- years stay searchable.
--
-- Append-only on every partition: the row triggers of app.audit_log
-- (sql/foundation/audit.sql) are cloned onto each partition by
-- PostgreSQL, but a TRUNCATE trigger is not, so every partition gets its
-- own here (a partition truncated by name is refused like the log).

-- The month a timestamp falls in, in Japan time (the partitions' bounds).
CREATE OR REPLACE FUNCTION app.audit_log_month(at timestamptz)
RETURNS timestamp LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT date_trunc('month', at AT TIME ZONE 'Asia/Tokyo') $$;

-- Makes the monthly partitions from from_month (default: this month) to
-- months_ahead months after this month, and the TRUNCATE guard on every
-- partition. Idempotent. A month whose entries already went to the
-- default partition (its partition was missing) gets none: the rows stay
-- searchable there, and a warning says so.
CREATE OR REPLACE FUNCTION app.ensure_audit_log_partitions(months_ahead integer DEFAULT 3,
                                                           from_month timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m timestamp := app.audit_log_month(coalesce(from_month, now()));
  last_month timestamp := app.audit_log_month(now()) + make_interval(months => greatest(months_ahead, 0));
  name text;
  lo timestamptz;
  hi timestamptz;
  made integer := 0;
  p regclass;
BEGIN
  WHILE m <= last_month LOOP
    name := 'audit_log_' || to_char(m, 'YYYY_MM');
    lo := m AT TIME ZONE 'Asia/Tokyo';
    hi := (m + interval '1 month') AT TIME ZONE 'Asia/Tokyo';
    IF to_regclass(format('app.%I', name)) IS NULL THEN
      IF EXISTS (SELECT FROM app.audit_log_default d WHERE d.at >= lo AND d.at < hi) THEN
        RAISE WARNING 'nanbyo: audit log month % is in the default partition; no partition of its own made',
          to_char(m, 'YYYY-MM') USING DETAIL = 'E_AUDIT_PARTITION_IN_DEFAULT';
      ELSE
        EXECUTE format('CREATE TABLE app.%I PARTITION OF app.audit_log FOR VALUES FROM (%L) TO (%L)',
                       name, lo::text, hi::text);
        made := made + 1;
      END IF;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  FOR p IN SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'app.audit_log'::regclass LOOP
    IF NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = p AND t.tgname = 'audit_log_no_truncate') THEN
      EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION app.audit_log_append_only()', p);
    END IF;
  END LOOP;
  RETURN made;
END
$$;

DO $$ BEGIN PERFORM app.ensure_audit_log_partitions(); END $$;

DO $$ BEGIN
  PERFORM cron.schedule('nanbyo-audit-log-partitions', '41 2 * * *', 'SELECT app.ensure_audit_log_partitions()');
END $$;
