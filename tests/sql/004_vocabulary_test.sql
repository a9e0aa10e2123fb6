-- The one vocabulary (sql/foundation/migrations/0001_baseline.sql): every
-- code has a Japanese label, the database roles are made from app.roles
-- with their group roles, the tables refer to the vocabulary, the lifecycle
-- only moves forward, and the patient register's one rule guards the table.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(14);
SET LOCAL client_min_messages = warning;

SELECT is((SELECT count(*)::int FROM (
    SELECT label_ja FROM app.programs UNION ALL SELECT label_ja FROM app.form_purposes
    UNION ALL SELECT label_ja FROM app.form_statuses UNION ALL SELECT label_ja FROM app.review_results
    UNION ALL SELECT label_ja FROM app.organisation_kinds UNION ALL SELECT label_ja FROM app.roles
    UNION ALL SELECT label_ja FROM app.primary_judgments UNION ALL SELECT label_ja FROM app.income_tiers
    UNION ALL SELECT label_ja FROM app.special_cases UNION ALL SELECT label_ja FROM app.refusal_reasons
    UNION ALL SELECT label_ja FROM app.admin_box_items) l
   WHERE btrim(label_ja) = ''), 0, 'every code has a Japanese label');

-- the primary judgment's codes are the ones the extension answers
SELECT is((SELECT array_agg(code ORDER BY code) FROM app.primary_judgments),
  (SELECT array_agg(DISTINCT j ORDER BY j) FROM (SELECT nanbyo.judge('N006', d) ->> 'primary_judgment' AS j
     FROM (VALUES ('{}'::jsonb),
                  -- the golden cases N006 meets_threshold and does_not_meet_hoehn_yahr_2
                  ('{"antiparkinson_response": true, "application_type": "renewal", "consent_db_registration": true, "doctor_name": "指定 医師", "entry_date": "2026-04-10", "imaging_no_abnormality": true, "medical_institution_code": "1310270751", "medical_institution_name": "千代田病院", "no_drug_toxin_exposure": true, "parkinsonism": true, "patient_address": "東京都千代田区千代田1-1", "patient_birth_date": "1960-05-01", "patient_name": "難病 太郎", "patient_name_kana": "ナンビョウ タロウ", "patient_postal_code": "100-0001", "patient_sex": "1"}'::jsonb || '{"hoehn_yahr": 3, "life_function_grade": 2}'),
                  ('{"antiparkinson_response": true, "application_type": "renewal", "consent_db_registration": true, "doctor_name": "指定 医師", "entry_date": "2026-04-10", "imaging_no_abnormality": true, "medical_institution_code": "1310270751", "medical_institution_name": "千代田病院", "no_drug_toxin_exposure": true, "parkinsonism": true, "patient_address": "東京都千代田区千代田1-1", "patient_birth_date": "1960-05-01", "patient_name": "難病 太郎", "patient_name_kana": "ナンビョウ タロウ", "patient_postal_code": "100-0001", "patient_sex": "1"}'::jsonb || '{"hoehn_yahr": 2, "life_function_grade": 3}')) x(d)) judged),
  'the primary judgments of the vocabulary are the extension''s');

SELECT is((SELECT array_agg(code ORDER BY code) FROM app.roles WHERE NOT EXISTS (
             SELECT FROM pg_roles r WHERE r.rolname = code AND NOT r.rolcanlogin)),
  NULL, 'every role of the vocabulary is a database role that cannot log in');
SELECT is((SELECT array_agg(code ORDER BY code) FROM app.roles
            WHERE NOT pg_has_role(code, role_group, 'USAGE') OR NOT pg_has_role(code, 'api_user', 'USAGE')),
  NULL, 'every role inherits its group role and api_user');
SELECT is((SELECT array_agg(code ORDER BY code) FROM app.roles WHERE pg_has_role(code, 'form_readers', 'USAGE')),
  ARRAY['clerk', 'doctor', 'municipality_admin', 'municipality_staff', 'operator_admin', 'operator_staff'],
  'form_readers are the doctor, the clerk, municipality and operator users');
SELECT ok(NOT pg_has_role('enrolling', 'api_user', 'USAGE'), 'a first-login session is no api_user');
SELECT is((SELECT array_agg(a.code ORDER BY a.code) FROM app.roles a JOIN pg_roles r ON r.rolname = a.code
            WHERE shobj_description(r.oid, 'pg_authid') IS DISTINCT FROM a.label_ja),
  NULL, 'each role''s comment is its Japanese label');

-- columns that hold a code refer to the vocabulary
SELECT is((SELECT array_agg(format('%s.%s', c.conrelid::regclass, a.attname)
                            ORDER BY format('%s.%s', c.conrelid::regclass, a.attname))
             FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f' AND c.confrelid IN ('app.programs'::regclass, 'app.form_purposes'::regclass,
                  'app.form_statuses'::regclass, 'app.review_results'::regclass, 'app.roles'::regclass,
                  'app.organisation_kinds'::regclass)
              AND c.conrelid::regclass::text NOT IN ('app.form_status_transitions', 'app.roles')
              -- a partition's copy of its table's key is its table's
              AND NOT (SELECT k.relispartition FROM pg_class k WHERE k.oid = c.conrelid)),
  ARRAY['app.accounts.organisation_kind', 'app.accounts.program', 'app.accounts.role',
        'app.certifications.outcome', 'app.certifications.program',
        'app.form_versions.program', 'app.forms.program', 'app.forms.purpose', 'app.forms.review_result',
        'app.forms.status', 'app.monthly_caps.program', 'app.organisations.kind', 'app.paper_scans.program', 'app.public_payer_numbers.program', 'app.research_requests.program', 'app.special_cases.program',
        'stats.cells.program'],
  'every code column refers to the vocabulary');

SELECT is((SELECT count(*)::int FROM app.form_status_transitions t
             JOIN app.form_statuses f ON f.code = t.from_status JOIN app.form_statuses n ON n.code = t.to_status
            WHERE n.position <> f.position + 1), 0, 'each allowed status change is one step forward');
SELECT is(app.transition_problem('issued', 'draft'),
  'E_FORM_STATUS:票の状態を「アクセスキー発行済み」から「下書き」には変更できません。',
  'a step back is refused, named with the statuses'' labels');
SELECT is(app.transition_problem('draft', 'confirmed'), NULL, 'a step forward is allowed');

-- an account's organisation kind is its role's
INSERT INTO app.organisations (kind, code, name) VALUES ('operator', 'VOC1', '語彙 運営');
INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash)
VALUES ('vocab-op', 'operator_staff', (SELECT id FROM app.organisations WHERE code = 'VOC1'), '語彙 太郎', 'ゴイ タロウ', 'x');
SELECT is((SELECT organisation_kind FROM app.accounts WHERE login_id = 'vocab-op'), 'operator',
  'an account''s organisation kind comes from its role');
SELECT throws_ok($$INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash)
  VALUES ('vocab-cl', 'clerk', (SELECT id FROM app.organisations WHERE code = 'VOC1'), '語彙 事務', 'ゴイ ジム', 'x')$$,
  '23503', NULL, 'a role that does not fit the organisation''s kind is refused by the database');

-- the patient register's rule guards the table itself (written around the api)
SELECT throws_ok($$INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
  VALUES (1, E'山田\u202E太郎', 'ヤマダ タロウ', '1970-01-01', '1', '東京都')$$,
  '23514', NULL, 'a hidden character in a patient''s name is refused by the table''s check');
SELECT * FROM finish();
ROLLBACK;
