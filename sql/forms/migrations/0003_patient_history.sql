-- 0.2.0, forms: every change of a patient's record is kept (#17: patients
-- as a resource, updated through api.update_patient): who, when, and the
-- values before the change. Written by a trigger (sql/forms/patients.sql);
-- append-only like the form history.
CREATE TABLE app.patient_history (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id        bigint NOT NULL REFERENCES app.patients (id),
  at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_account_id  bigint,
  request_id        text,
  -- the changed items, and their values before the change
  changed           text[] NOT NULL,
  before            jsonb NOT NULL
);
CREATE INDEX patient_history_patient ON app.patient_history (patient_id, at);
COMMENT ON TABLE app.patient_history IS '患者情報の変更履歴（誰が・いつ・何を・変更前の値）';
-- the duplicate warning looks a reading, birth date and sex up in a hospital
CREATE INDEX patients_hospital_identity ON app.patients (hospital_id, name_kana, birth_date, sex);
