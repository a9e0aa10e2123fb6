-- The audit log: the operator and the Ministry search it (D2). Nobody may
-- change it: no role has UPDATE, DELETE or TRUNCATE, and triggers refuse
-- them even for the owner (sql/foundation/audit.sql). API roles write it only
-- through app.audit (definer) and app.audit_read.
ALTER TABLE app.audit_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY audit_log_search ON app.audit_log FOR SELECT
  TO operator_users, ministry_users
  USING (true);
REVOKE ALL ON app.audit_log FROM PUBLIC;
GRANT SELECT ON app.audit_log TO operator_users, ministry_users;
GRANT EXECUTE ON FUNCTION
  api.search_audit_log(timestamptz, timestamptz, text, text, text, text, text, integer, integer,
                       bigint, text, boolean, timestamptz, bigint),
  api.verify_audit_log()
  TO operator_users, ministry_users;
GRANT USAGE ON TYPE api.audit_log_row TO operator_users, ministry_users;
-- (the partitions have no grants and no policies of their own: they are
-- read through app.audit_log, whose policy applies)

-- The hash chain (sql/foundation/audit_chain.sql): appended by the sealer
-- (definer) only; the operator and the Ministry may read it, e.g. to
-- verify it themselves (docs/audit-log.md). Nobody may change it.
ALTER TABLE app.audit_chain ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_read ON app.audit_chain FOR SELECT
  TO operator_users, ministry_users
  USING (true);
REVOKE ALL ON app.audit_chain FROM PUBLIC;
GRANT SELECT ON app.audit_chain TO operator_users, ministry_users;

-- Refusals come in over the audit writer's own connection (sql/foundation/audit.sql).
CREATE POLICY audit_log_refusals ON app.audit_log FOR INSERT TO nanbyo_audit_writer
  WITH CHECK ((action = 'request' AND outcome = 'refused')
              OR (action = 'access_key.lookup' AND outcome IN ('failure', 'refused')));
GRANT USAGE ON SCHEMA app TO nanbyo_audit_writer;
GRANT INSERT ON app.audit_log TO nanbyo_audit_writer;
-- every API role may record its own refusal (app.raise runs as the caller)
GRANT EXECUTE ON FUNCTION app.record_refusal(text, text) TO api_user, enrolling, web_anon;
GRANT EXECUTE ON FUNCTION app.sees_personal_audit_values(), app.audit_personal_keys()
  TO operator_users, ministry_users;
-- searches log a keyed hash of what was searched, never the value (sql/foundation/audit.sql)
GRANT EXECUTE ON FUNCTION app.audit_value_hash(text) TO api_user;
