-- Monitoring flags (B2): what the operator is told to look at, e.g. a
-- doctor carrying forms over unusually often (sql/forms/carry_over.sql).
-- The table is in the forms baseline migration, the policy in
-- policies/forms/monitoring_flags.sql.

-- Flags `account` for `kind`, at most once an hour per account and kind.
CREATE OR REPLACE FUNCTION app.flag_for_operator(account bigint, kind text, detail jsonb)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO app.monitoring_flags (account_id, kind, detail)
  SELECT flag_for_operator.account, flag_for_operator.kind, flag_for_operator.detail
   WHERE NOT EXISTS (
     SELECT FROM app.monitoring_flags m
      WHERE m.account_id = flag_for_operator.account AND m.kind = flag_for_operator.kind
        AND m.at > now() - interval '1 hour')
$$;

-- GET /monitoring_flags: what the operator is told to look at.
CREATE OR REPLACE VIEW api.monitoring_flags
WITH (security_invoker = true) AS
SELECT m.id, m.at, m.account_id, m.kind, m.detail FROM app.monitoring_flags m;
COMMENT ON VIEW api.monitoring_flags IS '運営主体への注意喚起（前回値踏襲の多用など）';
