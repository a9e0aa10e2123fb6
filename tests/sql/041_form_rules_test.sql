-- Lifecycle rules of forms (issue #5) through the api functions: who may
-- confirm what, closed form versions, no way back in the lifecycle, the
-- carry-over monitor, carry-over through another hospital's access key.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

-- a cooperating nanbyō doctor at hospital A
INSERT INTO app.accounts (login_id, role, organisation_id, issued_by_organisation_id, name, name_kana, password_hash,
                          password_must_change, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
VALUES ('cooperating_a', 'doctor', pg_temp.org('1310123455'), pg_temp.org('130001'), '協力 医師', 'キョウリョク',
        (SELECT hash FROM fixture_password), false, 'nanbyo', 'cooperating', '1000009', 'C1000009', current_date + 30);
INSERT INTO app.sessions (account_id, stage, expires_at)
VALUES (pg_temp.account('cooperating_a'), 'full', now() + interval '30 minutes');

CREATE TEMP TABLE complete AS SELECT jsonb_build_object(
  'entry_date', '2026-11-20', 'medical_institution_code', '1310123455', 'medical_institution_name', '病院A',
  'doctor_name', '医師', 'consent_db_registration', true, 'parkinsonism', true, 'imaging_no_abnormality', true,
  'no_drug_toxin_exposure', true, 'antiparkinson_response', true, 'hoehn_yahr', 3, 'life_function_grade', 2) AS data;
GRANT SELECT ON complete TO PUBLIC;

CREATE FUNCTION pg_temp.patient() RETURNS bigint LANGUAGE sql AS $$
  SELECT id FROM app.patients WHERE name = '患者 甲' AND hospital_id = pg_temp.org('1310123455') $$;
CREATE FUNCTION pg_temp.new_form(login text, purpose text) RETURNS bigint LANGUAGE sql AS $$
  SELECT (pg_temp.run_as(login, format(
    $q$SELECT api.create_form(%s, 'N006', %L, data => %L)->>'id'$q$,
    pg_temp.patient(), purpose, (SELECT data FROM complete))))::bigint
$$;
-- (run_as answers an error as 'ERROR …' text, so the answer itself is checked)
SELECT matches(pg_temp.run_as('clerk_a', $q$SELECT api.register_patient('患者 甲', 'カンジャ コウ', '1960-05-01', '1', '東京都港区1')->>'id'$q$),
  '^[0-9]+$', 'a clerk registers a patient (the answer is its id)');

-- 協力難病指定医: renewals only
SELECT is(pg_temp.run_as('cooperating_a', format('SELECT api.confirm_form(%s)', pg_temp.new_form('cooperating_a', 'new'))),
  'ERROR 42501 E_COOPERATING_RENEWAL_ONLY', 'a cooperating doctor cannot confirm a new application');
SELECT is((pg_temp.run_as('cooperating_a', format('SELECT api.confirm_form(%s)::text', pg_temp.new_form('cooperating_a', 'renewal'))))::jsonb ->> 'status', 'confirmed', 'but confirms a renewal');
SELECT is(pg_temp.run_as('clerk_a', format('SELECT api.confirm_form(%s)', pg_temp.new_form('doctor_a', 'renewal'))),
  'ERROR 42501', 'a clerk never confirms');
SELECT is(pg_temp.run_as('doctor_a', format($$SELECT api.create_form(%s, 'N006', 'extension')$$, pg_temp.patient())),
  'ERROR 22023 E_FORM_PURPOSE', 'the purpose is one of three');
SELECT is(pg_temp.run_as('doctor_a', format($$SELECT api.create_form(%s, 'N999', 'new')$$, pg_temp.patient())),
  'ERROR P0002 E_UNKNOWN_DISEASE', 'an unknown disease is refused');

-- registration only (軽症者登録, B10) is a purpose like the others
SELECT is((pg_temp.run_as('doctor_a', format('SELECT api.confirm_form(%s)::text', pg_temp.new_form('doctor_a', 'registration_only'))))::jsonb ->> 'status', 'confirmed', 'a registration-only form is confirmed like any other');

-- B1: a version no longer registrable online
CREATE TEMP TABLE draft_on_old AS SELECT pg_temp.new_form('doctor_a', 'renewal') AS id;
UPDATE app.form_versions SET online_until = current_date - 1 WHERE id = nanbyo.form_version_in_force('N006');
SELECT is(pg_temp.run_as('doctor_a', format('SELECT api.confirm_form(%s)', (SELECT id FROM draft_on_old))),
  'ERROR 55000 E_FORM_VERSION_CLOSED', 'a draft on a version closed online cannot be confirmed');
SELECT is(pg_temp.run_as('doctor_a', format($$SELECT api.create_form(%s, 'N006', 'new')$$, pg_temp.patient())),
  'ERROR 55000 E_FORM_VERSION_CLOSED', 'nor can a new form be started on it');
UPDATE app.form_versions SET online_until = NULL WHERE id = nanbyo.form_version_in_force('N006');

-- the lifecycle never goes back, whoever writes
SELECT throws_ok(format($$UPDATE app.forms SET status = 'draft' WHERE id = %s$$,
    (SELECT id FROM app.forms WHERE status = 'confirmed' LIMIT 1)),
  '55000', NULL, 'a confirmed form cannot become a draft again');
SELECT throws_ok(format($$UPDATE app.forms SET status = 'registered' WHERE id = %s$$,
    (SELECT id FROM app.forms WHERE status = 'confirmed' LIMIT 1)),
  '55000', NULL, 'nor skip steps');

-- B2: carry-over through another hospital's access key registers the patient here
CREATE TEMP TABLE issued AS SELECT (pg_temp.run_as('doctor_a', format('SELECT api.issue_access_key(%s)->>''access_key''',
  (SELECT id FROM app.forms WHERE status = 'confirmed' AND doctor_account_id = pg_temp.account('doctor_a') LIMIT 1)))) AS key;
GRANT SELECT ON issued TO PUBLIC;
SELECT is((pg_temp.run_as('doctor_b', format($$SELECT api.carry_over_form(access_key => %L)::text$$, (SELECT key FROM issued))))::jsonb ->> 'status', 'draft', 'a doctor of another hospital carries over with the patient''s key');
SELECT is((SELECT count(*)::int FROM app.patients WHERE hospital_id = pg_temp.org('1410543215') AND name = '患者 甲'), 1,
  'the patient is now registered at that hospital too');
SELECT is(pg_temp.run_as('doctor_b', format('SELECT api.carry_over_form(source_form_id => %s)',
    (SELECT id FROM app.forms WHERE hospital_id = pg_temp.org('1310123455') LIMIT 1))),
  'ERROR P0002 E_FORM_NOT_FOUND', 'without the key, another hospital''s form cannot be named');

-- B2 monitoring: more carry-overs in an hour than the threshold flags the account
INSERT INTO app.audit_log (actor_account_id, action, outcome)
SELECT pg_temp.account('doctor_b'), 'form.carry_over', 'success' FROM generate_series(1, app.carry_over_flag_threshold());
SELECT is((pg_temp.run_as('doctor_b', format($$SELECT api.carry_over_form(access_key => %L)::text$$, (SELECT key FROM issued))))::jsonb ->> 'status', 'draft', 'one carry-over too many still works');
SELECT is((SELECT kind FROM app.monitoring_flags WHERE account_id = pg_temp.account('doctor_b')), 'carry_over_volume',
  'and the operator is told');
SELECT is(pg_temp.run_as('operator_staff_a', 'SELECT count(*)::text FROM api.monitoring_flags'), '1',
  'the operator sees the flag');

SELECT * FROM finish();
ROLLBACK;
