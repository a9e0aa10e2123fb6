-- Statistics (D1, sql/statistics/): the figures are read through the api
-- functions (SECURITY DEFINER, which decide exact or published by role:
-- sql/statistics/api.sql). For SQL readers under the same rules, the
-- tables are closed: stats.cells (exact counts) only to the operator, and
-- stats.published_cells (suppressed cells without a value) to the operator,
-- the Ministry and the municipalities. The `stats` schema is not reset by
-- sql/foundation/code_reset.sql, so this file takes its own grants and
-- policies back first.
REVOKE ALL ON ALL TABLES IN SCHEMA stats FROM PUBLIC, api_user, operator_users, ministry_users, municipality_users;
REVOKE ALL ON SCHEMA stats FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
DROP POLICY IF EXISTS cells_operator ON stats.cells;
DROP POLICY IF EXISTS runs_operator ON stats.runs;
DROP POLICY IF EXISTS runs_analyst ON stats.runs;

ALTER TABLE stats.cells ENABLE ROW LEVEL SECURITY;
ALTER TABLE stats.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY cells_operator ON stats.cells FOR SELECT TO operator_users USING (true);
CREATE POLICY runs_operator ON stats.runs FOR SELECT TO operator_users USING (true);
-- the operator analysts' login (policies/research/analysts.sql, loaded before
-- this file) read the runs and stats.published_cells, never stats.cells
DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nanbyo_analyst') THEN
    CREATE POLICY runs_analyst ON stats.runs FOR SELECT TO nanbyo_analyst USING (true);
  END IF;
END $$;

GRANT USAGE ON SCHEMA stats TO operator_users, ministry_users, municipality_users;
GRANT SELECT ON stats.cells, stats.runs TO operator_users;
GRANT SELECT ON stats.published_cells TO operator_users, ministry_users, municipality_users;

-- the roles that read statistics may call them (the functions refuse the
-- operator's parts, the runs and the refresh, with E_ROLE_NOT_ALLOWED);
-- hospitals and contractors none
GRANT EXECUTE ON FUNCTION api.statistics(integer, text, text, text, text, text), api.statistics_catalog(),
  api.statistics_runs(integer), api.refresh_statistics()
  TO operator_users, ministry_users, municipality_users;
-- their rows, also as CSV (sql/foundation/csv_output.sql)
GRANT USAGE ON TYPE api.statistics_cell, api.statistics_run TO operator_users, ministry_users, municipality_users;
