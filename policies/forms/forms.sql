-- Forms and patients (B, C1). Who reads which form:
--   doctor              forms of their hospital and approved secondary hospitals (A8)
--   clerk               forms of their hospital
--   municipality_*      forms their municipality took over (C1)
--   operator_*          all
--   ministry, contractor, hospital_admin: none (statistics come from D1)
-- Patients, personal items, history and comments follow the forms the
-- caller sees (their policies select through app.forms, under its RLS).
-- Every change goes through SECURITY DEFINER api functions (sql/forms/,
-- sql/municipality/).
ALTER TABLE app.forms ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_personal ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.access_keys ENABLE ROW LEVEL SECURITY;

CREATE POLICY forms_doctor ON app.forms FOR SELECT TO doctor
  USING (hospital_id = ANY ((SELECT app.current_hospital_ids())::bigint[]));
CREATE POLICY forms_clerk ON app.forms FOR SELECT TO clerk
  USING (hospital_id = (SELECT app.current_organisation_id()));
CREATE POLICY forms_municipality ON app.forms FOR SELECT TO municipality_users
  USING (municipality_id = (SELECT app.current_organisation_id()));
CREATE POLICY forms_operator ON app.forms FOR SELECT TO operator_users USING (true);

CREATE POLICY patients_doctor ON app.patients FOR SELECT TO doctor
  USING (hospital_id = ANY ((SELECT app.current_hospital_ids())::bigint[]));
CREATE POLICY patients_clerk ON app.patients FOR SELECT TO clerk
  USING (hospital_id = (SELECT app.current_organisation_id()));
CREATE POLICY patients_municipality ON app.patients FOR SELECT TO municipality_users
  USING (EXISTS (SELECT FROM app.forms f WHERE f.patient_id = patients.id));
CREATE POLICY patients_operator ON app.patients FOR SELECT TO operator_users USING (true);

-- (the fiscal year too: the form is looked for in its year's partition only)
CREATE POLICY form_personal_follows_form ON app.form_personal FOR SELECT
  TO form_readers
  USING (EXISTS (SELECT FROM app.forms f WHERE f.id = form_id AND f.fiscal_year = form_personal.fiscal_year));
-- the certification's and research consent's history is municipality-only
-- like the tables (policies/municipality/certification.sql)
CREATE POLICY form_history_follows_form ON app.form_history FOR SELECT
  TO form_readers
  USING (EXISTS (SELECT FROM app.forms f WHERE f.id = form_id AND f.fiscal_year = form_history.fiscal_year)
         AND (part IN ('clinical', 'personal') OR pg_has_role(current_user, 'municipality_users', 'MEMBER')
              OR pg_has_role(current_user, 'operator_users', 'MEMBER')));
CREATE POLICY form_comments_follow_form ON app.form_comments FOR SELECT
  TO form_readers
  USING (EXISTS (SELECT FROM app.forms f WHERE f.id = form_id));

REVOKE ALL ON app.forms, app.patients, app.form_personal, app.form_history, app.form_comments,
              app.access_keys FROM PUBLIC;
GRANT SELECT ON app.forms, app.patients, app.form_personal, app.form_history, app.form_comments
  TO form_readers;

GRANT EXECUTE ON FUNCTION
  api.register_patient(text, text, date, text, text, text, jsonb, bigint),
  api.create_form(bigint, text, text, bigint, boolean, jsonb),
  api.save_form(bigint, jsonb),
  api.comment_on_form(bigint, text, text),
  api.carry_over_form(bigint, text, text, bigint, boolean),
  api.print_access_key_slip(bigint, text)
  TO doctor, clerk;
GRANT EXECUTE ON FUNCTION api.confirm_form(bigint), api.issue_access_key(bigint) TO doctor;
GRANT EXECUTE ON FUNCTION api.check_form(bigint, jsonb) TO doctor, clerk, municipality_users;
GRANT EXECUTE ON FUNCTION api.form_layout(bigint) TO form_readers;
GRANT EXECUTE ON FUNCTION api.fetch_form_by_key(text) TO doctor, municipality_users;
GRANT EXECUTE ON FUNCTION
  api.get_form(bigint),
  api.search_forms(text, text, text, integer, bigint, integer, integer),
  api.print_form(bigint, text),
  api.print_form_masked(bigint)
  TO form_readers;
-- invoker functions call these helpers as the caller
GRANT EXECUTE ON FUNCTION app.visible_form(bigint), app.form_document(app.forms),
  app.forms_found(text, text, text, integer, bigint), app.forms_with_kana(text),
  app.form_full_data(app.forms), app.check_form_key(app.forms, text), app.form_html(app.forms, jsonb, text, text),
  app.form_comment_list(bigint), app.form_history_summary(bigint), app.html(text),
  app.print_value(jsonb, text), app.print_css(), app.html_response_headers()
  TO form_readers;
GRANT USAGE ON TYPE api."text/html" TO api_user;

-- Form definitions are master data every form user reads (also read by the
-- extension, as the caller, when it masks or judges inside an invoker function).
ALTER TABLE app.form_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY form_versions_read ON app.form_versions FOR SELECT
  TO form_readers
  USING (true);
GRANT SELECT ON app.form_versions, api.form_versions
  TO form_readers;
