-- The paper path (C4, sql/bulk_import/paper_scans.sql). Who reads a scan's
-- metadata (app.paper_scans; analysts' plain SQL too):
--   municipality_*   the scans it uploaded
--   operator_*       all
--   contractor       the scans assigned to it
--   hospital staff, Ministry: none
-- The PDFs (app.paper_scan_files) only through api.download_paper_scan,
-- which logs every download. Every change goes through the SECURITY DEFINER
-- api functions, each step by its role: the municipality uploads, the
-- operator downloads, assigns and marks done, the contractor's XML import keys.
ALTER TABLE app.paper_scans ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.paper_scan_files ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.paper_scans, app.paper_scan_files FROM PUBLIC;

CREATE POLICY paper_scans_municipality ON app.paper_scans FOR SELECT TO municipality_users
  USING (municipality_id = (SELECT app.current_organisation_id()));
CREATE POLICY paper_scans_operator ON app.paper_scans FOR SELECT TO operator_users USING (true);
CREATE POLICY paper_scans_contractor ON app.paper_scans FOR SELECT TO contractor_users
  USING (app.paper_scan_assigned_to(id, (SELECT app.current_organisation_id())));
GRANT SELECT ON app.paper_scans TO municipality_users, operator_users, contractor_users;
-- (the contractors' policy asks the assignments, which they cannot read)
GRANT EXECUTE ON FUNCTION app.paper_scan_assigned_to(bigint, bigint) TO contractor_users;

GRANT EXECUTE ON FUNCTION api.upload_paper_scan(jsonb, text, integer, text, bigint) TO municipality_users;
GRANT EXECUTE ON FUNCTION api.list_paper_scans(text, integer, text, bigint, integer, integer)
  TO municipality_users, operator_users, contractor_users;
GRANT EXECUTE ON FUNCTION api.download_paper_scan(bigint) TO operator_users, contractor_users;
GRANT EXECUTE ON FUNCTION api.complete_paper_scan(bigint) TO operator_users;
