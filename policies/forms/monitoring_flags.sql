-- Monitoring flags (B2): the operator reads them; nobody else, and nobody
-- writes them but app.flag_for_operator (sql/forms/monitoring_flags.sql).
ALTER TABLE app.monitoring_flags ENABLE ROW LEVEL SECURITY;
CREATE POLICY monitoring_flags_operator ON app.monitoring_flags FOR SELECT TO operator_users
  USING (true);
REVOKE ALL ON app.monitoring_flags FROM PUBLIC;
GRANT SELECT ON app.monitoring_flags, api.monitoring_flags TO operator_users;
