-- Patients as a resource (#17, sql/forms/patients.sql): those who read
-- forms find and read the patients their policies show them (the patients
-- policies are in policies/forms/forms.sql); the hospital's doctors and
-- clerks correct them. A patient's history follows the patient.
ALTER TABLE app.patient_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY patient_history_follows_patient ON app.patient_history FOR SELECT TO form_readers
  USING (EXISTS (SELECT FROM app.patients p WHERE p.id = patient_id));
REVOKE ALL ON app.patient_history FROM PUBLIC;
GRANT SELECT ON app.patient_history TO form_readers;

GRANT USAGE ON TYPE api.patient_row TO form_readers;
-- the invoker search calls it as the caller (RLS decides what it finds)
GRANT EXECUTE ON FUNCTION app.patients_found(text, date, bigint) TO form_readers;
GRANT EXECUTE ON FUNCTION api.search_patients(text, date, bigint, integer, integer), api.get_patient(bigint),
  app.patient_history_summary(bigint)
  TO form_readers;
GRANT EXECUTE ON FUNCTION api.update_patient(bigint, text, text, date, text, text, text, jsonb) TO doctor, clerk;
