-- Setup of the form benchmarks (issue #5), run by .ci/bench.sh on a scratch
-- stack: a municipality with its staff, a hospital with a doctor, 100,000
-- issued N006 forms with their access keys (written to :keys_file), and
-- 20,000 complete drafts for the confirm benchmark (ids to :drafts_file).
-- Accounts: bench-staff and bench-doctor, password Bench-Pass-2026!, key KEY-<login>.
-- The sizes: psql variables issued and drafts (default 100,000 and 20,000).
\set ON_ERROR_STOP 1
\if :{?issued} \else \set issued 100000 \endif
\if :{?drafts} \else \set drafts 20000 \endif
SET client_min_messages = warning;
BEGIN;
INSERT INTO app.organisations (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
VALUES ('municipality', '130001', '東京都', '13', 'prefecture', true, true)
ON CONFLICT (kind, code) DO NOTHING;
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', '1310123455', 'ベンチ病院', '13', id, id FROM app.organisations WHERE code = '130001';

INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change,
                          key_hash, is_hospital_admin, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
SELECT login, role, o.id, login, 'ベンチ', nanbyo.hash_password('Bench-Pass-2026!'), false, app.key_hash('KEY-' || login),
       role = 'doctor', CASE WHEN role = 'doctor' THEN 'nanbyo' END, CASE WHEN role = 'doctor' THEN 'designated' END,
       CASE WHEN role = 'doctor' THEN '1234567' END, CASE WHEN role = 'doctor' THEN 'B-1' END,
       CASE WHEN role = 'doctor' THEN current_date + 365 END
  FROM (VALUES ('bench-staff', 'municipality_staff', '130001'), ('bench-doctor', 'doctor', '1310123455')) a(login, role, code)
  JOIN app.organisations o ON o.code = a.code;

CREATE TEMP TABLE bench_data AS SELECT jsonb_build_object(
  'entry_date', '2026-11-20', 'medical_institution_code', '1310123455', 'medical_institution_name', 'ベンチ病院',
  'doctor_name', 'ベンチ 医師', 'consent_db_registration', true, 'application_type', 'renewal',
  'parkinsonism', true, 'imaging_no_abnormality', true, 'no_drug_toxin_exposure', true,
  'antiparkinson_response', true, 'hoehn_yahr', 3, 'life_function_grade', 2) AS clinical;

INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
SELECT (SELECT id FROM app.organisations WHERE code = '1310123455'), '患者 ' || n, 'カンジャ', DATE '1950-01-01' + n % 20000,
       '1', '東京都千代田区' || n
  FROM generate_series(1, :issued + :drafts) n;

CREATE TEMP TABLE bench_keys AS
SELECT n, nanbyo.generate_access_key() AS key FROM generate_series(1, :issued) n;

INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, consent_db_registration, status, data, judgment, fiscal_year, confirmed_at, confirmed_by,
                       issued_at)
SELECT p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', p.hospital_id, d.id, d.id, 'renewal', true,
       CASE WHEN p.id <= :issued THEN 'issued' ELSE 'draft' END, b.clinical,
       CASE WHEN p.id <= :issued THEN '{"primary_judgment": "meets", "errors": []}'::jsonb END,
       2026, CASE WHEN p.id <= :issued THEN now() END, CASE WHEN p.id <= :issued THEN d.id END,
       CASE WHEN p.id <= :issued THEN now() END
  FROM app.patients p, bench_data b, app.accounts d
 WHERE d.login_id = 'bench-doctor'
 ORDER BY p.id;
INSERT INTO app.form_personal (form_id, fiscal_year, data)
SELECT f.id, f.fiscal_year, app.patient_block(p) FROM app.forms f JOIN app.patients p ON p.id = f.patient_id;
INSERT INTO app.access_keys (form_id, key_hash, issued_by)
SELECT f.id, app.access_key_hash(k.key),
       f.doctor_account_id
  FROM bench_keys k JOIN app.forms f ON f.patient_id = k.n;
-- the audit log the API would have written on the way (a form created,
-- confirmed and issued is three entries): the lookups are measured against
-- a log of realistic size, not an empty one whose first plans would be
-- kept while it grows under the benchmark
INSERT INTO app.audit_log (actor_account_id, actor_login_id, actor_role, actor_organisation_id, action, outcome,
                           target_kind, target_id, at)
SELECT d.id, d.login_id, d.role, d.organisation_id, a.action, 'success', 'form', f.id::text, now()
  FROM app.forms f JOIN app.accounts d ON d.id = f.doctor_account_id,
       (VALUES ('form.create'), ('form.confirm'), ('form.issue_access_key')) a(action)
 WHERE f.status = 'issued';
COMMIT;
VACUUM ANALYZE;
\pset tuples_only on
\pset format unaligned
\o :keys_file
SELECT key FROM bench_keys ORDER BY n;
\o :drafts_file
SELECT id FROM app.forms WHERE status = 'draft' ORDER BY id;
\o
