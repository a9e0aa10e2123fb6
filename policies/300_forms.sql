-- Forms and patients (B, C1). Who reads which form:
--   doctor              forms of their hospital and approved secondary hospitals (A8)
--   clerk               forms of their hospital
--   municipality_*      forms their municipality took over (C1)
--   operator_*          all
--   ministry, contractor, hospital_admin: none (statistics come from D1)
-- Patients, personal items, history and comments follow the forms the
-- caller sees (their policies select through app.forms, under its RLS).
-- Every change goes through SECURITY DEFINER api functions (sql/230–260).
ALTER TABLE app.forms ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_personal ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.access_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.monitoring_flags ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS forms_doctor ON app.forms;
CREATE POLICY forms_doctor ON app.forms FOR SELECT TO doctor
  USING (hospital_id = ANY ((SELECT app.current_hospital_ids())::bigint[]));
DROP POLICY IF EXISTS forms_clerk ON app.forms;
CREATE POLICY forms_clerk ON app.forms FOR SELECT TO clerk
  USING (hospital_id = (SELECT app.current_organisation_id()));
DROP POLICY IF EXISTS forms_municipality ON app.forms;
CREATE POLICY forms_municipality ON app.forms FOR SELECT TO municipality_admin, municipality_staff
  USING (municipality_id = (SELECT app.current_organisation_id()));
DROP POLICY IF EXISTS forms_operator ON app.forms;
CREATE POLICY forms_operator ON app.forms FOR SELECT TO operator_admin, operator_staff USING (true);

DROP POLICY IF EXISTS patients_doctor ON app.patients;
CREATE POLICY patients_doctor ON app.patients FOR SELECT TO doctor
  USING (hospital_id = ANY ((SELECT app.current_hospital_ids())::bigint[]));
DROP POLICY IF EXISTS patients_clerk ON app.patients;
CREATE POLICY patients_clerk ON app.patients FOR SELECT TO clerk
  USING (hospital_id = (SELECT app.current_organisation_id()));
DROP POLICY IF EXISTS patients_municipality ON app.patients;
CREATE POLICY patients_municipality ON app.patients FOR SELECT TO municipality_admin, municipality_staff
  USING (id IN (SELECT f.patient_id FROM app.forms f));
DROP POLICY IF EXISTS patients_operator ON app.patients;
CREATE POLICY patients_operator ON app.patients FOR SELECT TO operator_admin, operator_staff USING (true);

DROP POLICY IF EXISTS form_personal_follows_form ON app.form_personal;
CREATE POLICY form_personal_follows_form ON app.form_personal FOR SELECT
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff
  USING (form_id IN (SELECT f.id FROM app.forms f));
DROP POLICY IF EXISTS form_history_follows_form ON app.form_history;
CREATE POLICY form_history_follows_form ON app.form_history FOR SELECT
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff
  USING (form_id IN (SELECT f.id FROM app.forms f));
DROP POLICY IF EXISTS form_comments_follow_form ON app.form_comments;
CREATE POLICY form_comments_follow_form ON app.form_comments FOR SELECT
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff
  USING (form_id IN (SELECT f.id FROM app.forms f));
DROP POLICY IF EXISTS monitoring_flags_operator ON app.monitoring_flags;
CREATE POLICY monitoring_flags_operator ON app.monitoring_flags FOR SELECT TO operator_admin, operator_staff
  USING (true);

REVOKE ALL ON app.forms, app.patients, app.form_personal, app.form_history, app.form_comments,
              app.access_keys, app.monitoring_flags FROM PUBLIC;
GRANT SELECT ON app.forms, app.patients, app.form_personal, app.form_history, app.form_comments
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff;
GRANT SELECT ON app.monitoring_flags, api.monitoring_flags TO operator_admin, operator_staff;

GRANT EXECUTE ON FUNCTION
  api.register_patient(text, text, date, text, text, text, jsonb, bigint),
  api.create_form(bigint, text, text, bigint, boolean, jsonb),
  api.save_form(bigint, jsonb),
  api.comment_on_form(bigint, text, text),
  api.carry_over_form(bigint, text, text, bigint, boolean),
  api.print_access_key_slip(bigint, text)
  TO doctor, clerk;
GRANT EXECUTE ON FUNCTION api.confirm_form(bigint), api.issue_access_key(bigint) TO doctor;
GRANT EXECUTE ON FUNCTION api.fetch_form_by_key(text) TO doctor, municipality_admin, municipality_staff;
GRANT EXECUTE ON FUNCTION
  api.take_over_form(text), api.correct_form(bigint, jsonb), api.review_form(bigint, text),
  api.register_form(bigint)
  TO municipality_admin, municipality_staff;
GRANT EXECUTE ON FUNCTION
  api.get_form(bigint),
  api.search_forms(text, text, text, integer, bigint, integer, integer),
  api.print_form(bigint, text),
  api.print_form_masked(bigint)
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff;
-- invoker functions call these helpers as the caller
GRANT EXECUTE ON FUNCTION app.visible_form(bigint), app.form_document(app.forms),
  app.form_full_data(app.forms), app.check_form_key(app.forms, text), app.form_html(app.forms, jsonb, text, text),
  app.form_comment_list(bigint), app.form_history_summary(bigint), app.html(text),
  app.print_value(jsonb, text), app.print_css(), app.html_response_headers()
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff;
GRANT USAGE ON TYPE api."text/html" TO api_user;

-- Form definitions are master data every form user reads (also read by the
-- extension, as the caller, when it masks or judges inside an invoker function).
ALTER TABLE app.form_versions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS form_versions_read ON app.form_versions;
CREATE POLICY form_versions_read ON app.form_versions FOR SELECT
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff
  USING (true);
GRANT SELECT ON app.form_versions, api.form_versions
  TO doctor, clerk, municipality_admin, municipality_staff, operator_admin, operator_staff;
