-- Export and data dictionary (sql/bulk_import/export.sql): doctors and clerks
-- export their hospital's forms, the operator any hospital's (the functions
-- check which); every form reader reads the data dictionary, as it reads
-- the form versions.
GRANT USAGE ON TYPE api."*/*", api.form_export_row TO doctor, clerk, operator_users;
GRANT EXECUTE ON FUNCTION api.export_forms_xml(bigint, text, integer, text), api.export_forms(bigint, text, integer, text)
  TO doctor, clerk, operator_users;
GRANT USAGE ON TYPE api.data_dictionary_row TO form_readers;
GRANT EXECUTE ON FUNCTION api.data_dictionary(bigint, text) TO form_readers;
