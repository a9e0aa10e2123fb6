-- The audit log: the operator and the Ministry search it (D2). Nobody may
-- change it: no role has UPDATE, DELETE or TRUNCATE, and triggers refuse
-- them even for the owner (sql/045_audit_log.sql). API roles write it only
-- through app.audit (definer) and app.audit_read.
ALTER TABLE app.audit_log ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS audit_log_search ON app.audit_log;
CREATE POLICY audit_log_search ON app.audit_log FOR SELECT
  TO operator_admin, operator_staff, ministry_admin, ministry_staff
  USING (true);
REVOKE ALL ON app.audit_log FROM PUBLIC;
GRANT SELECT ON app.audit_log TO operator_admin, operator_staff, ministry_admin, ministry_staff;
GRANT EXECUTE ON FUNCTION
  api.search_audit_log(timestamptz, timestamptz, text, text, text, text, text, integer, integer)
  TO operator_admin, operator_staff, ministry_admin, ministry_staff;
