-- Setup of the renewal-season load test (issue #22 item 5, .ci/renewal-load.sh):
-- a national shape in small, on an empty stack.
--   47 prefectures (the nanbyō implementing bodies), 2 staff accounts each;
--   1,000 hospitals spread over them, 3 designated doctors each (3,000);
--   SLE (N049, the largest form) everywhere:
--     100,000 issued forms with their access keys (the municipality lookups),
--     20,000 drafts being typed (the saves),
--     10,000 complete drafts (the confirmations + key issues),
--     10,000 patients without a form yet (the new drafts);
--   the audit log the API would have written for the issued forms (300,000
--   rows: lookups are measured against a log of realistic size).
-- Writes, for tests/ops/renewal_load.py:
--   :keys_file     access key <TAB> prefecture (municipality) id
--   :drafts_file   form id <TAB> doctor account id   (drafts being typed)
-- (the complete drafts and the patients without a form are listed by
-- renewal_run.sql before each run)
--   :doctors_file  doctor account id <TAB> hospital code <TAB> designated number
--                  <TAB> hospital name <TAB> doctor name (for the XML files)
-- The SLE answers come from the golden case N049/meets_joints_and_dsdna
-- (passed in as :'sle_case', the case's "input" object).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
-- the 47 prefectures (already there when the stack loaded the master data of
-- implementing bodies; made here otherwise).
-- 全国地方公共団体コード of a prefecture: <2 digits>000 + check digit (modulus 11, weights 6..2)
INSERT INTO app.organisations (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
SELECT 'municipality', pp || '000' || ((11 - (6 * substr(pp, 1, 1)::int + 5 * substr(pp, 2, 1)::int) % 11) % 10),
       '負荷試験県' || pp, pp, 'prefecture', true, true
  FROM (SELECT lpad(n::text, 2, '0') AS pp FROM generate_series(1, 47) n) p
ON CONFLICT (kind, code) DO NOTHING;

-- 1,000 hospitals: 医療機関コード <pref 2><1><7 digits of n> with the first valid check digit
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', c.code, '負荷試験病院' || h.n, m.prefecture_code, m.id, m.id
  FROM generate_series(1, 1000) h(n)
  JOIN app.organisations m ON m.kind = 'municipality' AND m.municipality_kind = 'prefecture'
                          AND m.prefecture_code = lpad((1 + h.n % 47)::text, 2, '0'),
       LATERAL (SELECT base || d AS code
                  FROM (SELECT m.prefecture_code || '1' || lpad(h.n::text, 6, '0') AS base) b,
                       generate_series(0, 9) d
                 WHERE nanbyo.valid_medical_institution_code(base || d)
                 ORDER BY d LIMIT 1) c;

CREATE TEMP TABLE load_hospitals AS
SELECT row_number() OVER (ORDER BY id) AS n, id, code, name, nanbyo_authority_id AS municipality_id
  FROM app.organisations WHERE kind = 'hospital' AND name LIKE '負荷試験病院%';

-- accounts: no password is used (the load test gets its tokens from
-- renewal_tokens.sql), but a real hash keeps the rows realistic
CREATE TEMP TABLE load_hash AS SELECT nanbyo.hash_password('Load-Pass-2026!') AS h;
INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change,
                          key_hash, is_hospital_admin, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
SELECT 'load-doctor-' || h.n || '-' || k, 'doctor', h.id, '負荷 医師' || h.n || '-' || k, 'フカ イシ', lh.h, false,
       app.key_hash('KEY-load-doctor-' || h.n || '-' || k), k = 1, 'nanbyo', 'designated',
       lpad((9000000 + h.n * 3 + k)::text, 7, '0'), 'L-' || h.n || '-' || k, current_date + 365
  FROM load_hospitals h, generate_series(1, 3) k, load_hash lh;
INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change,
                          key_hash)
SELECT 'load-staff-' || m.prefecture_code || '-' || k, 'municipality_staff', m.id, '負荷 職員', 'フカ ショクイン',
       lh.h, false, app.key_hash('KEY-load-staff-' || m.prefecture_code || '-' || k)
  FROM app.organisations m, generate_series(1, 2) k, load_hash lh
 WHERE m.kind = 'municipality' AND m.municipality_kind = 'prefecture';

CREATE TEMP TABLE load_doctors AS
SELECT row_number() OVER (ORDER BY a.id) AS n, a.id, a.name, h.id AS hospital_id, h.code, h.name AS hospital_name,
       h.municipality_id, a.designated_doctor_number
  FROM app.accounts a JOIN load_hospitals h ON h.id = a.organisation_id
 WHERE a.role = 'doctor';

-- 140,000 patients, spread over the doctors: 1..100,000 issued, ..120,000
-- drafts being typed, ..130,000 complete drafts, ..140,000 no form yet
CREATE TEMP TABLE load_patients AS
SELECT g.n, d.id AS doctor_id, d.hospital_id
  FROM generate_series(1, 140000) g(n)
  JOIN load_doctors d ON d.n = 1 + g.n % 3000;
INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
SELECT hospital_id, '負荷 患者' || n, 'フカ カンジャ', DATE '1940-01-01' + n % 25000, (1 + n % 2)::text,
       '東京都千代田区千代田' || n
  FROM load_patients ORDER BY n;
CREATE TEMP TABLE load_patient_ids AS
SELECT lp.n, p.id AS patient_id, lp.doctor_id, lp.hospital_id
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM app.patients WHERE name LIKE '負荷 患者%') p
  JOIN load_patients lp ON lp.n = p.n;

CREATE TEMP TABLE load_case AS
SELECT (SELECT jsonb_object_agg(key, value) FROM jsonb_each(:'sle_case'::jsonb) WHERE key NOT LIKE 'patient\_%') AS clinical;

-- forms: the complete SLE answers with the hospital and doctor filled in;
-- the drafts being typed hold the first half of the items only
INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, consent_db_registration, status, data, judgment, fiscal_year, confirmed_at, confirmed_by,
                       issued_at)
SELECT p.patient_id, nanbyo.form_version_in_force('N049'), 'N049', 'nanbyo', p.hospital_id, d.id, d.id, 'renewal', true,
       CASE WHEN p.n <= 100000 THEN 'issued' ELSE 'draft' END,
       CASE WHEN p.n BETWEEN 100001 AND 120000
            THEN (SELECT jsonb_object_agg(key, value) FROM jsonb_each(c.clinical) WHERE key < 'eular_l')
            ELSE c.clinical END
         || jsonb_build_object('medical_institution_code', d.code, 'medical_institution_name', d.hospital_name,
                               'doctor_name', d.name),
       CASE WHEN p.n <= 100000 THEN '{"primary_judgment": "meets", "errors": []}'::jsonb END,
       2026, CASE WHEN p.n <= 100000 THEN now() END, CASE WHEN p.n <= 100000 THEN d.id END,
       CASE WHEN p.n <= 100000 THEN now() END
  FROM load_patient_ids p JOIN load_doctors d ON d.id = p.doctor_id, load_case c
 WHERE p.n <= 130000
 ORDER BY p.n;
INSERT INTO app.form_personal (form_id, data)
SELECT f.id, app.patient_block(pt)
  FROM app.forms f JOIN app.patients pt ON pt.id = f.patient_id
 WHERE pt.name LIKE '負荷 患者%';

CREATE TEMP TABLE load_keys AS
SELECT f.id AS form_id, nanbyo.generate_access_key() AS key, h.municipality_id
  FROM app.forms f JOIN load_hospitals h ON h.id = f.hospital_id
 WHERE f.status = 'issued';
INSERT INTO app.access_keys (form_id, key_hash, issued_by)
SELECT k.form_id, app.access_key_hash(k.key), f.doctor_account_id
  FROM load_keys k JOIN app.forms f ON f.id = k.form_id;
-- the audit log the API would have written on the way (created, confirmed, issued)
INSERT INTO app.audit_log (actor_account_id, actor_login_id, actor_role, actor_organisation_id, action, outcome,
                           target_kind, target_id, at)
SELECT d.id, d.login_id, d.role, d.organisation_id, a.action, 'success', 'form', f.id::text, now()
  FROM app.forms f JOIN app.accounts d ON d.id = f.doctor_account_id,
       (VALUES ('form.create'), ('form.confirm'), ('form.issue_access_key')) a(action)
 WHERE f.status = 'issued' AND d.login_id LIKE 'load-doctor-%';
COMMIT;
VACUUM ANALYZE;
-- the bulk load's checkpoint now, not in the first minute of the measurement
CHECKPOINT;
\pset tuples_only on
\pset format unaligned
\pset fieldsep '\t'
\o :keys_file
SELECT key, municipality_id FROM load_keys ORDER BY random();
\o :drafts_file
SELECT f.id, f.doctor_account_id FROM app.forms f JOIN load_patient_ids p ON p.patient_id = f.patient_id
 WHERE p.n BETWEEN 100001 AND 120000 ORDER BY random();
\o :doctors_file
SELECT id, code, designated_doctor_number, hospital_name, name FROM load_doctors ORDER BY n;
\o
