-- C3: the bulk import of certification results (sql/municipality/certification_import.sql).
-- Municipality staff and admins import their own municipality's results;
-- the import log is written only by the definer function, nobody reads it directly.
ALTER TABLE app.certification_imports ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.certification_imports FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.import_certification_results(bytea), api.import_certification_results(text)
  TO municipality_users;
