-- The disease master (sql/master/diseases.sql): public information, read by
-- every logged-in user (GET /diseases, /rpc/disease_history); changed only
-- by the operator admin, through the API functions (definer), never by
-- writing the tables.
ALTER TABLE app.diseases ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.disease_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.disease_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY diseases_read ON app.diseases FOR SELECT TO api_user USING (true);
CREATE POLICY disease_groups_read ON app.disease_groups FOR SELECT TO api_user USING (true);
GRANT SELECT ON app.diseases, app.disease_groups, api.diseases TO api_user;
GRANT EXECUTE ON FUNCTION app.disease_machine_judged(text) TO api_user;
GRANT EXECUTE ON FUNCTION api.disease_history(text) TO api_user;
GRANT EXECUTE ON FUNCTION
  api.add_disease(text, text, date, text, date),
  api.rename_disease(text, text, text),
  api.set_disease_effective_until(text, date, text)
  TO operator_admin;
