-- Setup of the bulk-import benchmark (issue #6): the hospital of the file,
-- its municipality and the doctor B-1 (bench-bulk-doctor).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
INSERT INTO app.organisations (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
VALUES ('municipality', '130001', '東京都', '13', 'prefecture', true, true)
ON CONFLICT (kind, code) DO NOTHING;
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', '1310123455', 'ベンチ病院', '13', id, id FROM app.organisations WHERE code = '130001';
INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change,
                          is_hospital_admin, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
SELECT 'bench-bulk-doctor', 'doctor', id, 'ベンチ 医師', 'ベンチ', 'x', false, true, 'nanbyo', 'designated',
       '7654321', 'B-1', current_date + 365
  FROM app.organisations WHERE code = '1310123455';
