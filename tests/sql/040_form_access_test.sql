-- Who sees which form, patient and personal part (issue #5): every API role,
-- forms of their own organisation and of another one.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

-- a patient and a form at each hospital; hospital A's form is taken over by 東京都
INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
VALUES (pg_temp.org('1310123455'), '患者 A', 'カンジャ エー', '1960-01-01', '1', '東京都千代田区1'),
       (pg_temp.org('1410543215'), '患者 B', 'カンジャ ビー', '1970-01-01', '2', '神奈川県横浜市1');
INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                       created_by, purpose, status, data, judgment, fiscal_year, confirmed_at, municipality_id)
SELECT p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', p.hospital_id, d.id, d.id, 'renewal',
       CASE WHEN p.name = '患者 A' THEN 'taken_over' ELSE 'draft' END, '{}',
       CASE WHEN p.name = '患者 A' THEN '{"primary_judgment": "meets"}'::jsonb END, 2026,
       CASE WHEN p.name = '患者 A' THEN now() END,
       CASE WHEN p.name = '患者 A' THEN pg_temp.org('130001') END
  FROM app.patients p JOIN app.accounts d ON d.organisation_id = p.hospital_id AND d.role = 'doctor';
INSERT INTO app.form_personal (form_id, fiscal_year, data)
SELECT f.id, f.fiscal_year, app.patient_block(p) FROM app.forms f JOIN app.patients p ON p.id = f.patient_id;
INSERT INTO app.form_comments (form_id, author_account_id, body)
SELECT f.id, f.doctor_account_id, 'メモ' FROM app.forms f;

-- viewer, what it sees of forms / patients / personal parts / comments
CREATE TEMP TABLE expected_forms (viewer text, visible text);
INSERT INTO expected_forms VALUES
  ('doctor_a', '患者 A'), ('clerk_a', '患者 A'), ('doctor_b', '患者 B'), ('clerk_b', '患者 B'),
  ('municipality_admin_a', '患者 A'), ('municipality_staff_a', '患者 A'),
  ('municipality_admin_b', ''), ('municipality_staff_b', ''),
  ('operator_admin_a', '患者 A,患者 B'), ('operator_staff_a', '患者 A,患者 B'),
  ('hospital_admin_a', 'ERROR 42501'), ('ministry_admin_a', 'ERROR 42501'),
  ('ministry_staff_a', 'ERROR 42501'), ('contractor_a', 'ERROR 42501');

SELECT is(
  coalesce(pg_temp.run_as(e.viewer, format($$SELECT coalesce(string_agg(p.name, ',' ORDER BY p.name), '')
      FROM app.forms f JOIN app.patients p ON p.id = f.patient_id WHERE f.id IN (SELECT id FROM app.forms)$$)), ''),
  e.visible, e.viewer || ' sees exactly the forms it may')
FROM expected_forms e ORDER BY e.viewer;

SELECT is(
  coalesce(pg_temp.run_as(e.viewer, $$SELECT coalesce(string_agg(data ->> 'patient_name', ',' ORDER BY data ->> 'patient_name'), '')
      FROM app.form_personal$$), ''),
  e.visible, e.viewer || ' sees the personal parts of exactly those forms')
FROM expected_forms e ORDER BY e.viewer;

SELECT is(
  coalesce(pg_temp.run_as(e.viewer, $$SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM app.patients$$), ''),
  e.visible, e.viewer || ' sees the patients of exactly those forms')
FROM expected_forms e ORDER BY e.viewer;

SELECT is(
  pg_temp.run_as(e.viewer, $$SELECT count(*)::text FROM app.form_comments$$),
  CASE WHEN e.visible LIKE 'ERROR%' THEN e.visible
       ELSE (CASE WHEN e.visible = '' THEN 0 ELSE array_length(string_to_array(e.visible, ','), 1) END)::text END,
  e.viewer || ' sees the comments of exactly those forms')
FROM expected_forms e ORDER BY e.viewer;

SELECT is(
  pg_temp.run_as(v, $$SELECT count(*)::text FROM app.access_keys$$), 'ERROR 42501',
  v || ' cannot read access keys, not even their hashes')
FROM unnest(ARRAY['doctor_a', 'municipality_staff_a', 'operator_admin_a']) v;

-- the api functions answer the same way
SELECT is(
  pg_temp.run_as('doctor_b', format('SELECT api.get_form(%s)', (SELECT id FROM app.forms WHERE hospital_id = pg_temp.org('1310123455')))),
  'ERROR P0002 E_FORM_NOT_FOUND', 'another hospital''s doctor gets no form by id');
SELECT is(
  pg_temp.run_as('municipality_staff_b', format('SELECT api.print_form_masked(%s)', (SELECT id FROM app.forms WHERE hospital_id = pg_temp.org('1310123455')))),
  'ERROR P0002 E_FORM_NOT_FOUND', 'another municipality cannot print it');
SELECT matches(
  pg_temp.run_as('municipality_staff_a', format('SELECT api.print_form_masked(%s)', (SELECT id FROM app.forms WHERE hospital_id = pg_temp.org('1310123455')))),
  '審査会用', 'the municipality that took it over prints the masked copy');
SELECT is(
  pg_temp.run_as('doctor_a', format($$SELECT api.save_form(%s, '{"hoehn_yahr": 1}')$$, (SELECT id FROM app.forms WHERE hospital_id = pg_temp.org('1310123455')))),
  'ERROR 55000 E_FORM_NOT_EDITABLE', 'a form taken over is no longer the hospital''s to edit');

-- history is append-only
SELECT throws_ok($$UPDATE app.form_history SET data = '{}'$$, '42501', '票の変更履歴は変更・削除できません。',
  'form history cannot be rewritten');

SELECT * FROM finish();
ROLLBACK;
