-- Setup of the certification-import benchmark (C3, issue #19): Tokyo, a
-- hospital with a nanbyō doctor, Tokyo's staff member bench-cert-staff, and
-- :n PD forms Tokyo took over, each with a live access key. The keys are left
-- in bench_certification_keys for the file (never in a real database).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
INSERT INTO app.organisations (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
VALUES ('municipality', '130001', '東京都', '13', 'prefecture', true, true)
ON CONFLICT (kind, code) DO NOTHING;  -- the implementing bodies' master has it
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', '1310123455', 'ベンチ病院', '13', id, id FROM app.organisations WHERE code = '130001';
INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change,
                          is_hospital_admin, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
SELECT 'bench-cert-doctor', 'doctor', id, 'ベンチ 医師', 'ベンチ', 'x', false, true, 'nanbyo', 'designated',
       '7654321', 'B-1', current_date + 365
  FROM app.organisations WHERE code = '1310123455';
INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change)
SELECT 'bench-cert-staff', 'municipality_staff', id, 'ベンチ 職員', 'ベンチ', 'x', false
  FROM app.organisations WHERE code = '130001';

INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address, created_by)
SELECT h.id, '認定 ' || translate(g::text, '0123456789', 'アイウエオカキクケコ'),
       'ニンテイ ' || translate(g::text, '0123456789', 'アイウエオカキクケコ'), date '1950-01-01' + g % 20000, '1', '東京都千代田区千代田1-' || g, d.id
  FROM generate_series(1, :n) g, app.organisations h, app.accounts d
 WHERE h.code = '1310123455' AND d.login_id = 'bench-cert-doctor';

INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, consent_db_registration, fiscal_year, status, data, judgment, confirmed_at, confirmed_by,
                       issued_at, municipality_id, taken_over_at, taken_over_by)
SELECT p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', p.hospital_id, d.id, d.id, 'renewal', true,
       app.fiscal_year(current_date), 'taken_over',
       jsonb_build_object('diagnosis_date', current_date - 40, 'hoehn_yahr', 3, 'life_function_grade', 2),
       '{"valid": true, "primary_judgment": "meets"}', now() - interval '15 days', d.id,
       now() - interval '15 days', m.id, now() - interval '5 days', s.id
  FROM app.patients p, app.accounts d, app.accounts s, app.organisations m
 WHERE d.login_id = 'bench-cert-doctor' AND s.login_id = 'bench-cert-staff' AND m.code = '130001'
 ORDER BY p.id;

CREATE TABLE public.bench_certification_keys AS
SELECT f.id AS form_id, nanbyo.generate_access_key() AS access_key FROM app.forms f ORDER BY f.id;
INSERT INTO app.access_keys (form_id, key_hash, issued_by)
SELECT k.form_id, app.access_key_hash(k.access_key), d.id
  FROM public.bench_certification_keys k, app.accounts d WHERE d.login_id = 'bench-cert-doctor';
ANALYZE;
