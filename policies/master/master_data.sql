-- Master data of D4 (sql/master/): the implementing bodies with their public
-- payer numbers are read by everyone who works with forms (like the
-- organisations); only the operator admin changes master data, through the
-- api functions (SECURITY DEFINER: no API role writes these tables). The
-- history of master changes is the operator's.
ALTER TABLE app.public_payer_numbers ENABLE ROW LEVEL SECURITY;
CREATE POLICY public_payer_numbers_read ON app.public_payer_numbers FOR SELECT
  TO hospital_users, municipality_users, operator_users, ministry_users
  USING (true);
GRANT SELECT ON app.public_payer_numbers, api.implementing_bodies
  TO hospital_users, municipality_users, operator_users, ministry_users;

ALTER TABLE app.master_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY master_history_operator ON app.master_history FOR SELECT
  TO operator_users
  USING (true);
GRANT SELECT ON app.master_history, api.master_history TO operator_users;

GRANT SELECT ON api.form_version_periods TO form_readers;
-- (the view's paper period is the paper path's rule, read as its caller)
GRANT EXECUTE ON FUNCTION app.paper_accepted_until(date, date) TO form_readers;

GRANT EXECUTE ON FUNCTION
  api.add_public_payer_number(bigint, text, text, date, date, text),
  api.end_public_payer_number(bigint, date),
  api.import_hospitals_csv(text),
  api.publish_form_version(jsonb, date),
  api.set_form_version_online_until(bigint, date)
  TO operator_admin;
