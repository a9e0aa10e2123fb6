-- Demo forms for `make run`: a patient of デモ中央病院 with an issued
-- Parkinson's disease form (access key NA6WYQ-WEJC3M-5E5WK9, for the Tokyo staff
-- to fetch and take over) and a clerk's draft for the doctor to finish.
DO $$
DECLARE
  hospital bigint := (SELECT id FROM app.organisations WHERE code = '1310123455');
  doctor bigint := (SELECT id FROM app.accounts WHERE login_id = '1310123455-0001');
  clerk bigint := (SELECT id FROM app.accounts WHERE login_id = '1310123455-0004');
  p app.patients;
  f app.forms;
  header jsonb := '{"entry_date": "2026-11-20", "medical_institution_code": "1310123455",
                    "medical_institution_name": "デモ中央病院", "doctor_name": "中央 太郎",
                    "consent_db_registration": true}';
BEGIN
  INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, created_by)
  VALUES (hospital, '難病 一郎', 'ナンビョウ イチロウ', '1958-07-14', '1', '100-0001', '東京都千代田区千代田1-1', clerk)
  RETURNING * INTO p;
  -- the issued form
  INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                         created_by, purpose, consent_db_registration, consent_recorded_at, fiscal_year)
  VALUES (p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', hospital, doctor, clerk, 'renewal', true, now(),
          app.fiscal_year(current_date))
  RETURNING * INTO f;
  PERFORM app.store_form_data(f, app.patient_block(p) || header || '{"application_type": "renewal",
    "parkinsonism": true, "imaging_no_abnormality": true, "no_drug_toxin_exposure": true,
    "antiparkinson_response": true, "hoehn_yahr": 3, "life_function_grade": 2}');
  SELECT * INTO f FROM app.forms WHERE id = f.id;
  UPDATE app.forms SET status = 'confirmed', confirmed_at = now(), confirmed_by = doctor,
                       judgment = nanbyo.judge(f.form_version_id, app.form_full_data(f))
   WHERE id = f.id;
  INSERT INTO app.access_keys (form_id, key_hash, issued_by)
  VALUES (f.id, app.access_key_hash('NA6WYQ-WEJC3M-5E5WK9'), doctor);
  UPDATE app.forms SET status = 'issued', issued_at = now() WHERE id = f.id;
  -- the clerk's draft, with a comment for the doctor
  INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                         created_by, purpose, consent_db_registration, consent_recorded_at, fiscal_year)
  VALUES (p.id, nanbyo.form_version_in_force('N002'), 'N002', 'nanbyo', hospital, doctor, clerk, 'new', true, now(),
          app.fiscal_year(current_date))
  RETURNING * INTO f;
  PERFORM app.store_form_data(f, app.patient_block(p) || header || '{"application_type": "new"}');
  INSERT INTO app.form_comments (form_id, item_id, author_account_id, body)
  VALUES (f.id, 'als_severity', clerk, '重症度分類のご記入をお願いします。');
END
$$;
