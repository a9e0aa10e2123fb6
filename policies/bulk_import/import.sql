-- Bulk import (B9, C4): hospital staff upload their hospital's files, the
-- contractor uploads keyed paper forms. The import table is written only by
-- the definer function; nobody reads it directly.
ALTER TABLE app.form_imports ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.form_imports FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.import_forms_xml(text) TO doctor, clerk, contractor;
-- the dry run and the text/xml bodies (sql/bulk_import/check.sql): the same roles
GRANT EXECUTE ON FUNCTION api.import_forms_xml(xml), api.check_forms_xml(text), api.check_forms_xml(xml),
  api.import_forms_xml(bytea), api.check_forms_xml(bytea), api.import_forms_xml(jsonb), api.check_forms_xml(jsonb)
  TO doctor, clerk, contractor;
ALTER TABLE app.scan_assignments ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.scan_assignments FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.assign_scans(bigint, bigint, text[], bigint[]) TO operator_users;
