-- The insurance-history link (D5, #20 item 4; sql/insurance_link/): the
-- insurer number's check digit, the identifiers' checks, the municipality's
-- record, a batch and its answers, the history that cannot be changed, the
-- nightly job, and per role: nobody but the definer functions reads a
-- linkage id (hospitals, municipalities, the Ministry, the operator's staff
-- and its admin with plain SQL alike). The round trip over HTTP with the
-- test peer: tests/http/test_insurance_link.py.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
SET LOCAL client_min_messages = warning;
\ir fixtures/accounts.sql

-- the check digit (保険者番号等の設定について): 33120015 and 01130012 are real numbers
SELECT is(app.insurer_number_check_digit(b), d, format('check digit of %s', b))
  FROM (VALUES ('3312001', '5'), ('0113001', '2'), ('13805', '7'), ('9999999', '7'), ('0000000', '0')) v(b, d);
SELECT is((SELECT array_agg(code ORDER BY code) FROM app.insurance_identifier_problems(i, s, n, b))::text, expected,
          format('identifiers %s / %s / %s / %s', i, s, n, b))
  FROM (VALUES ('01130012', NULL, '1', '01', NULL),
               ('138057', 'あ1', '1', NULL, NULL),
               ('01130013', NULL, '1', NULL, '{E_INSURER_NUMBER_CHECK_DIGIT}'),
               ('0113001', NULL, '1', NULL, '{E_INSURER_NUMBER_FORMAT}'),
               (NULL, NULL, NULL, NULL, '{E_INSURANCE_NUMBER_REQUIRED,E_INSURER_NUMBER_REQUIRED}'),
               ('01130012', 'a,b', '1', '1', '{E_INSURANCE_BRANCH_FORMAT,E_INSURANCE_SYMBOL_FORMAT}'),
               ('01130012', NULL, '1/2', NULL, '{E_INSURANCE_NUMBER_FORMAT}')) v(i, s, n, b, expected);
SELECT is(app.insurance_identifier_text(' ０１１３　００１２ '), '01130012', 'full-width digits and spaces are normalised');

-- a form of hospital A taken over by 東京都
SELECT matches(pg_temp.run_as('clerk_a', $q$SELECT api.register_patient('連携 太郎', 'レンケイ タロウ', '1960-01-01', '1', '東京都港区1')->>'id'$q$),
  '^[0-9]+$', 'a patient');
CREATE TEMP TABLE form AS SELECT (pg_temp.run_as('doctor_a', format(
  $q$SELECT api.create_form(%s, 'N006', 'new', data => %L)->>'id'$q$,
  (SELECT id FROM app.patients WHERE name = '連携 太郎'),
  jsonb_build_object('entry_date', '2026-01-04', 'medical_institution_code', '1310123455', 'medical_institution_name', '病院A',
    'doctor_name', '医師', 'consent_db_registration', true, 'parkinsonism', true, 'imaging_no_abnormality', true,
    'no_drug_toxin_exposure', true, 'antiparkinson_response', true, 'hoehn_yahr', 3, 'life_function_grade', 2,
    'application_type', 'new', 'diagnosis_date', '2026-01-20'))))::bigint AS id;
GRANT SELECT ON form TO PUBLIC;
SELECT is((pg_temp.run_as('doctor_a', format('SELECT api.confirm_form(%s)::text', (SELECT id FROM form))))::jsonb ->> 'status',
  'confirmed', 'the doctor confirms it');
UPDATE app.forms SET status = 'issued', issued_at = '2026-01-05 10:00+09' WHERE id = (SELECT id FROM form);
UPDATE app.forms SET status = 'taken_over', municipality_id = pg_temp.org('130001'), taken_over_at = '2026-03-10 10:00+09',
                     taken_over_by = pg_temp.account('municipality_staff_a')
 WHERE id = (SELECT id FROM form);

-- who may record the identifiers: the form's municipality only
SELECT is(pg_temp.run_as('municipality_staff_a', format(
  $q$SELECT api.record_insurance_identifiers(%s, '01130012', '123', branch => '01') ->> 'source'$q$, (SELECT id FROM form))),
  'municipality', 'the form''s municipality records the identifiers');
SELECT is(pg_temp.run_as('municipality_staff_b', format(
  $q$SELECT api.record_insurance_identifiers(%s, '01130012', '124')::text$q$, (SELECT id FROM form))),
  'ERROR P0002 E_FORM_NOT_FOUND', 'another municipality cannot');
SELECT is(pg_temp.run_as('municipality_staff_a', format(
  $q$SELECT api.record_insurance_identifiers(%s, '01130013', '124')::text$q$, (SELECT id FROM form))),
  'ERROR 22023 E_INSURER_NUMBER_CHECK_DIGIT', 'a wrong check digit is refused');
SELECT is(pg_temp.run_as(r, format($q$SELECT api.record_insurance_identifiers(%s, '01130012', '124')::text$q$, (SELECT id FROM form))),
          'ERROR 42501', r || ' cannot call it')
  FROM unnest(ARRAY['doctor_a', 'clerk_a', 'operator_admin_a', 'ministry_admin_a']) r;
SELECT is((SELECT count(*)::integer FROM app.insurance_identifiers), 1, 'one record: the refusals wrote nothing');
SELECT is((SELECT count(*)::integer FROM app.audit_log WHERE action = 'patient.insurance_identifiers'), 1, 'and it is audited');

-- a batch (as the operator admin), answered
SELECT is(pg_temp.run_as('operator_admin_a', $q$SELECT (api.create_insurance_inquiry_batch() -> 'batch' ->> 'requests')$q$)::integer
            >= 1, true, 'the operator admin makes a batch');
SELECT is(pg_temp.run_as(r, $q$SELECT api.create_insurance_inquiry_batch()::text$q$), 'ERROR 42501', r || ' cannot make a batch')
  FROM unnest(ARRAY['operator_staff_a', 'municipality_admin_a', 'ministry_admin_a', 'doctor_a']) r;
CREATE TEMP TABLE batch AS SELECT max(id) AS id FROM app.insurance_inquiry_batches;
SELECT is((SELECT content FROM app.insurance_inquiry_batches WHERE id = (SELECT id FROM batch))
            ~ ('(^|\n)' || (SELECT id FROM batch) || ',[0-9]+,01130012,,123,01\r'), true,
          'the request file has the identifiers');
SELECT is((SELECT content FROM app.insurance_inquiry_batches WHERE id = (SELECT id FROM batch)) LIKE '%連携%', false,
          'and not the name');
SELECT is(app.nightly_insurance_inquiry_batch(), NULL, 'the nightly job finds nobody due: no empty batch');
SELECT ok(EXISTS (SELECT FROM cron.job WHERE jobname = 'nanbyo-insurance-inquiry-batch' AND command LIKE '%nightly_insurance_inquiry_batch%'),
          'the nightly job is scheduled');

SELECT set_config('test.answer', (
  SELECT E'batch_id,line_no,status,linkage_id,peer_code\r\n'
         || string_agg(format('%s,%s,found,%s,', r.batch_id, r.line_no, encode(sha256(convert_to(r.line_no::text, 'UTF8')), 'hex')), E'\r\n')
    FROM app.insurance_inquiry_requests r WHERE r.batch_id = (SELECT id FROM batch)), true);
SELECT is(pg_temp.run_as('operator_admin_a', $q$SELECT api.import_insurance_inquiry_answers(current_setting('test.answer')) ->> 'accepted'$q$),
          'true', 'the operator admin imports the answers');
SELECT is((SELECT count(*)::integer FROM app.insurance_linkages l JOIN app.patients p ON p.id = l.patient_id WHERE p.name = '連携 太郎'), 1,
          'the patient has a linkage id');
SELECT is((SELECT c.linkage_id FROM app.current_insurance_linkages c JOIN app.patients p ON p.id = c.patient_id WHERE p.name = '連携 太郎'),
          (SELECT l.linkage_id FROM app.insurance_linkages l JOIN app.patients p ON p.id = l.patient_id WHERE p.name = '連携 太郎'),
          'and it is the current one');

-- nobody reads a linkage id with SQL; no API role reads the link's tables
SELECT is(pg_temp.run_as(r, format('SELECT count(*)::text FROM app.%I', t)), 'ERROR 42501', format('%s cannot read app.%s', r, t))
  FROM unnest(ARRAY['doctor_a', 'clerk_a', 'hospital_admin_a', 'municipality_admin_a', 'municipality_staff_a',
                    'operator_admin_a', 'operator_staff_a', 'ministry_admin_a', 'ministry_staff_a', 'contractor_a']) r
 CROSS JOIN unnest(ARRAY['insurance_linkages', 'insurance_identifiers', 'insurance_inquiry_batches',
                         'insurance_inquiry_requests', 'insurance_inquiry_answers', 'current_insurance_identifiers',
                         'current_insurance_linkages']) t;
-- and no answer of the municipality's carries it
SELECT is(pg_temp.run_as('municipality_staff_a', format($q$SELECT api.get_insurance_identifiers(%s)::text$q$, (SELECT id FROM form)))
            LIKE '%' || (SELECT linkage_id FROM app.insurance_linkages ORDER BY id DESC LIMIT 1) || '%',
          false, 'the municipality''s read has no linkage id');

-- the history cannot be changed, even by the owner
SELECT throws_like($$UPDATE app.insurance_linkages SET linkage_id = repeat('0', 64)$$, '%変更・削除できません%',
                   'a linkage id cannot be changed');
SELECT throws_like($$DELETE FROM app.insurance_inquiry_batches$$, '%変更・削除できません%', 'a batch cannot be deleted');
SELECT throws_like($$UPDATE app.insurance_inquiry_answers SET status = 'error', peer_code = 'X'$$, '%変更・削除できません%',
                   'an answer cannot be changed');

SELECT * FROM finish();
ROLLBACK;
