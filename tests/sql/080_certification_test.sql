-- The municipality's certification decision (C2, issue #19): the published
-- monthly caps, every rule of app.certification_problems with its code, the
-- write (reviewed, history, audit), who may record it and who sees what,
-- and the research-use consent.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
SET LOCAL client_min_messages = warning;
\ir fixtures/accounts.sql

-- a form of hospital A, confirmed by its doctor, issued 2026-01-05 and taken
-- over by 東京都 (prefecture 13) on 2026-03-10; diagnosed 2026-01-20
SELECT matches(pg_temp.run_as('clerk_a', $q$SELECT api.register_patient('認定 花子', 'ニンテイ ハナコ', '1970-04-01', '2', '東京都港区1')->>'id'$q$),
  '^[0-9]+$', 'a patient');
CREATE TEMP TABLE form AS SELECT (pg_temp.run_as('doctor_a', format(
  $q$SELECT api.create_form(%s, 'N006', 'new', data => %L)->>'id'$q$,
  (SELECT id FROM app.patients WHERE name = '認定 花子'),
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

CREATE FUNCTION pg_temp.f(as_program text DEFAULT NULL) RETURNS app.forms LANGUAGE sql AS $$
  SELECT CASE WHEN as_program IS NULL THEN f ELSE jsonb_populate_record(f, jsonb_build_object('program', as_program)) END
    FROM app.forms f WHERE f.id = (SELECT id FROM form) $$;
-- a complete grant, and the codes of the problems of a variation of it (today: 2026-04-01)
CREATE FUNCTION pg_temp.grant_with(changes jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_strip_nulls('{"outcome": "granted", "recipient_number": "1234566", "public_payer_number": "54130018",
          "valid_from": "2026-02-10", "valid_until": "2027-02-09", "income_tier": "general1", "special_case": "none"}'::jsonb || changes) $$;
CREATE FUNCTION pg_temp.codes(certification jsonb, program text DEFAULT NULL) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(p.code ORDER BY p.code), '{}')
    FROM app.certification_problems(pg_temp.f(program), certification, '2026-04-01') p $$;

-- the published monthly caps (難病法施行令 第1条, 児童福祉法施行令 第22条), the whole table
SELECT set_eq($$SELECT program, income_tier, special_case, cap_yen FROM app.monthly_caps$$,
  $$VALUES ('nanbyo', 'welfare', 'none', 0), ('nanbyo', 'low1', 'none', 2500), ('nanbyo', 'low2', 'none', 5000),
           ('nanbyo', 'general1', 'none', 10000), ('nanbyo', 'general2', 'none', 20000), ('nanbyo', 'upper', 'none', 30000),
           ('nanbyo', 'general1', 'high_long', 5000), ('nanbyo', 'general2', 'high_long', 10000), ('nanbyo', 'upper', 'high_long', 20000),
           ('nanbyo', 'welfare', 'ventilator', 0), ('nanbyo', 'low1', 'ventilator', 1000), ('nanbyo', 'low2', 'ventilator', 1000),
           ('nanbyo', 'general1', 'ventilator', 1000), ('nanbyo', 'general2', 'ventilator', 1000), ('nanbyo', 'upper', 'ventilator', 1000),
           ('shoman', 'welfare', 'none', 0), ('shoman', 'low1', 'none', 1250), ('shoman', 'low2', 'none', 2500),
           ('shoman', 'general1', 'none', 5000), ('shoman', 'general2', 'none', 10000), ('shoman', 'upper', 'none', 15000),
           ('shoman', 'welfare', 'high_long', 0), ('shoman', 'low1', 'high_long', 1250), ('shoman', 'low2', 'high_long', 2500),
           ('shoman', 'general1', 'high_long', 2500), ('shoman', 'general2', 'high_long', 5000), ('shoman', 'upper', 'high_long', 10000),
           ('shoman', 'welfare', 'ventilator', 0), ('shoman', 'low1', 'ventilator', 500), ('shoman', 'low2', 'ventilator', 500),
           ('shoman', 'general1', 'ventilator', 500), ('shoman', 'general2', 'ventilator', 500), ('shoman', 'upper', 'ventilator', 500)$$,
  'the monthly caps are the published amounts, every program, tier and special case');
SELECT is((SELECT label_ja FROM app.special_cases WHERE code = 'high_long' AND program = 'shoman'), '重症',
  'high_long is called 重症 in shōman');
-- every allowed nanbyō combination is recorded with its cap (the database computes it)
SELECT is((SELECT count(*)::int FROM app.monthly_caps c WHERE c.program = 'nanbyo'
             AND (SELECT a.monthly_cap_yen FROM app.apply_certification(ARRAY[(SELECT id FROM form)],
                    ARRAY[pg_temp.grant_with(jsonb_build_object('income_tier', c.income_tier, 'special_case', c.special_case,
                                                                'valid_from', '2026-03-01'))]) a) = c.cap_yen), 15,
  'recording each nanbyō tier and special case stores the published cap');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"income_tier": "low1", "special_case": "high_long", "public_payer_number": "52130010"}'), 'shoman'), '{}',
  'shōman 重症 applies at any tier');

-- the rules, each with its own code
SELECT is(pg_temp.codes(pg_temp.grant_with()), '{}', 'a complete grant breaks no rule');
SELECT is(pg_temp.codes('{"outcome": "pending"}'), '{}', 'pending needs nothing');
SELECT is(pg_temp.codes('{"outcome": "pending", "admin_box": {"reception_number": "R-1", "review_board_on": "2026-03-20"}}'), '{}',
  'pending with the 行政記載欄');
SELECT is(pg_temp.codes('{"outcome": "refused", "refusal_reason": "severity_not_met"}'), '{}', 'a refusal with its reason');
SELECT is(pg_temp.codes('{"outcome": "maybe"}'), '{E_CERT_OUTCOME}', 'an unknown outcome');
SELECT is(pg_temp.codes('{}'), '{E_CERT_OUTCOME}', 'no outcome');
SELECT is(pg_temp.codes('{"outcome": "refused"}'), '{E_CERT_REFUSAL_REASON_REQUIRED}', 'a refusal needs its reason');
SELECT is(pg_temp.codes('{"outcome": "refused", "refusal_reason": "late"}'), '{E_CERT_REFUSAL_REASON}', 'an unknown reason');
SELECT is(pg_temp.codes('{"outcome": "refused", "refusal_reason": "other"}'), '{E_CERT_REFUSAL_NOTE_REQUIRED}', 'other needs its text');
SELECT is(pg_temp.codes('{"outcome": "refused", "refusal_reason": "other", "refusal_note": "書類不備"}'), '{}', 'other with its text');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"refusal_reason": "other"}')), '{E_CERT_REFUSAL_REASON_NOT_REFUSED}',
  'a grant has no refusal reason');
SELECT is(pg_temp.codes(jsonb_build_object('outcome', 'refused', 'refusal_reason', 'other', 'refusal_note', repeat('あ', 1001))),
  '{E_CERT_TEXT_TOO_LONG}', 'the refusal text is at most 1000 characters');
SELECT is(pg_temp.codes('{"outcome": "refused", "refusal_reason": "diagnosis_not_met", "recipient_number": "1234566", "income_tier": "low1"}'),
  '{E_CERT_NOT_GRANTED_FIELD,E_CERT_NOT_GRANTED_FIELD}', 'a refusal has no recipient number nor tier');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"recipient_number": null}')), '{E_CERT_RECIPIENT_NUMBER_REQUIRED}', 'a grant needs the recipient number');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"public_payer_number": null}')), '{E_CERT_PAYER_NUMBER_REQUIRED}', 'a grant needs the payer number');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_until": null}')), '{E_CERT_VALIDITY_REQUIRED}', 'a grant needs the validity');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"income_tier": null}')), '{E_CERT_INCOME_TIER_REQUIRED}', 'a grant needs the tier');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"recipient_number": "1234567"}')), '{E_CERT_RECIPIENT_NUMBER}', 'a wrong check digit (recipient)');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"recipient_number": "１２３４５６６"}')), '{}', 'full-width digits are normalised');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"public_payer_number": "54130019"}')), '{E_CERT_PAYER_NUMBER}', 'a wrong check digit (payer)');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"public_payer_number": "52130010"}')), '{E_CERT_PAYER_LAW_CODE}', '法別 52 is not nanbyō');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"public_payer_number": "52130010"}'), 'shoman'), '{}', 'but is shōman''s');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"public_payer_number": "54140017"}')), '{E_CERT_PAYER_PREFECTURE}',
  'the payer number''s prefecture is the municipality''s');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_from": "2026-02-30"}')), '{E_CERT_DATE}', 'an impossible date');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_until": "2026-02-01"}')), '{E_CERT_VALIDITY_ORDER}', 'the end before the start');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_until": "2027-02-10"}')), '{E_CERT_VALIDITY_TOO_LONG}', 'more than one year');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_from": "2026-01-19", "valid_until": "2027-01-18", "early_start_reason": "入院中"}')),
  '{E_CERT_START_BEFORE_DIAGNOSIS}', 'the start before the diagnosis date');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_from": "2026-02-09", "valid_until": "2027-02-08"}')),
  '{E_CERT_START_TOO_EARLY}', 'more than 1 month before the application (taken over 2026-03-10)');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_from": "2026-01-20", "valid_until": "2027-01-19", "early_start_reason": "入院中で申請できなかった"}')),
  '{}', 'up to 3 months with a reason');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_from": "2026-01-20", "valid_until": "2027-01-19", "application_received_on": "2026-04-21", "early_start_reason": "入院中"}')),
  '{E_CERT_RECEIVED_FUTURE,E_CERT_START_TOO_EARLY_WITH_REASON}', 'not before 3 months even with a reason; no application received in the future');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"valid_from": "2026-02-01", "valid_until": "2027-01-31", "application_received_on": "2026-03-01"}')),
  '{}', 'an explicit application date moves the window');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"application_received_on": "2026-01-04"}')), '{E_CERT_RECEIVED_BEFORE_ISSUE}',
  'no application before the form was issued');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"income_tier": "rich"}')), '{E_CERT_INCOME_TIER}', 'an unknown tier');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"special_case": "vip"}')), '{E_CERT_SPECIAL_CASE}', 'an unknown special case');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"income_tier": "low2", "special_case": "high_long"}')), '{E_CERT_SPECIAL_CASE_TIER}',
  'nanbyō 高額かつ長期 only from 一般所得Ⅰ');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"color": "red"}')), '{E_CERT_UNKNOWN_FIELD}', 'an unknown key');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"admin_box": "x"}')), '{E_CERT_ADMIN_BOX}', 'the 行政記載欄 is an object');
SELECT is(pg_temp.codes(pg_temp.grant_with('{"admin_box": {"secret": "x", "review_board_on": "2026-13-01", "reception_number": "123456789012345678901"}}')),
  '{E_CERT_ADMIN_BOX_ITEM,E_CERT_DATE,E_CERT_TEXT_TOO_LONG}', 'the 行政記載欄''s items: known, dates, lengths');
UPDATE app.forms SET data = data - 'diagnosis_date' WHERE id = (SELECT id FROM form);
SELECT is(pg_temp.codes(pg_temp.grant_with()), '{E_CERT_DIAGNOSIS_DATE_MISSING}', 'no diagnosis date on the form: the start cannot be checked');
UPDATE app.forms SET data = data || '{"diagnosis_date": "2026-01-20"}' WHERE id = (SELECT id FROM form);
-- every code the rules answer is in the OpenAPI document of record_certification
SELECT is((SELECT array_agg(c ORDER BY c) FROM (
             SELECT DISTINCT (regexp_matches(pg_get_functiondef('app.certification_problems(app.forms,jsonb,date)'::regprocedure),
                                             '''(E_CERT_[A-Z_]+)''', 'g'))[1] c
             EXCEPT SELECT jsonb_array_elements_text(api.openapi()::jsonb #> '{paths,/rpc/record_certification,post,responses,400,x-error-codes}')) x),
  NULL, 'record_certification documents every rule''s code');

-- through the API: who may record it
CREATE FUNCTION pg_temp.record(login text, certification jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.run_as(login, format('SELECT api.record_certification(%s, %L)::text', (SELECT id FROM form), certification)) $$;
DELETE FROM app.certifications WHERE form_id = (SELECT id FROM form);  -- (the cap checks above recorded some)
SELECT is(pg_temp.record('municipality_staff_b', pg_temp.grant_with()), 'ERROR P0002 E_FORM_NOT_FOUND',
  'another municipality''s staff: not found');
SELECT is(pg_temp.record('doctor_a', pg_temp.grant_with()), 'ERROR 42501', 'a doctor cannot record it');
SELECT is(pg_temp.record('municipality_staff_a', pg_temp.grant_with('{"income_tier": "low1", "special_case": "high_long"}')),
  'ERROR 22023 E_CERT_SPECIAL_CASE_TIER', 'a broken rule is refused with its code');
SELECT is((SELECT count(*)::int FROM app.certifications WHERE form_id = (SELECT id FROM form)), 0, 'and nothing is written');
SELECT is((pg_temp.record('municipality_staff_a', pg_temp.grant_with(
             '{"valid_from": "2026-03-01", "valid_until": "2027-02-28", "special_case": "high_long", "admin_box": {"reception_number": "R-0001", "remarks": "備考です"}}'))::jsonb
             #>> '{certification,monthly_cap_yen}'), '5000', 'general1 + 高額かつ長期: 5,000 yen, computed by the database');
SELECT is((SELECT status || '/' || review_result FROM app.forms WHERE id = (SELECT id FROM form)), 'reviewed/granted',
  'the form is reviewed with the outcome as its review result');
SELECT is((SELECT count(*)::int FROM app.form_history WHERE form_id = (SELECT id FROM form) AND part = 'certification'), 16,
  'every recorded version is in the form''s history');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action = 'form.certify' AND target_id = (SELECT id FROM form)::text
             AND actor_login_id = 'municipality_staff_a'), 1, 'the recording is audit-logged');
SELECT is(pg_temp.run_as('municipality_staff_a', format($q$SELECT api.review_form(%s, 'refused')$q$, (SELECT id FROM form))),
  'ERROR 55000 E_CERTIFICATION_RECORDED', 'review_form cannot contradict the certification');
-- who sees what
SELECT is((pg_temp.run_as('doctor_a', format('SELECT api.get_form(%s)::text', (SELECT id FROM form))))::jsonb -> 'certification',
  '{"scope": "outcome", "outcome": "granted", "refusal_reason": null, "registration_card_eligible": false, "valid_from": "2026-03-01", "valid_until": "2027-02-28"}'::jsonb,
  'the doctor sees the outcome and validity only');
SELECT is((pg_temp.run_as('municipality_staff_a', format('SELECT api.get_form(%s)::text', (SELECT id FROM form))))::jsonb
            #>> '{certification,admin_box,reception_number}', 'R-0001', 'the municipality sees the 行政記載欄');
SELECT is(pg_temp.run_as('doctor_a', $q$SELECT count(*) FROM app.certifications$q$), 'ERROR 42501', 'the doctor cannot read the table');
SELECT is(pg_temp.run_as('doctor_a', format($q$SELECT count(*) FROM app.form_history WHERE form_id = %s AND part = 'certification'$q$, (SELECT id FROM form))),
  '0', 'nor the certification''s history');
SELECT is(pg_temp.run_as('municipality_staff_b', $q$SELECT count(*) FROM app.certifications$q$), '0', 'another municipality reads none');
SELECT is(pg_temp.run_as('operator_staff_a', $q$SELECT count(*) FROM app.certifications$q$), '1', 'the operator reads them');
-- the 行政記載欄 on the print
SELECT matches(pg_temp.run_as('municipality_staff_a', format('SELECT api.print_form(%s)', (SELECT id FROM form))),
  '行政記載欄.*受付番号</th><td>R-0001.*備考</th><td>備考です', 'the municipality''s print carries its 行政記載欄');
SELECT matches(pg_temp.run_as('municipality_staff_a', format('SELECT api.print_form_masked(%s)', (SELECT id FROM form))),
  '受付番号</th><td>R-0001', 'the review board''s masked print carries the 受付番号');
SELECT doesnt_match(pg_temp.run_as('municipality_staff_a', format('SELECT api.print_form_masked(%s)', (SELECT id FROM form))),
  '備考', 'but not the free text');
SELECT matches(pg_temp.run_as('doctor_a', format('SELECT api.print_form(%s)', (SELECT id FROM form))),
  '受付番号</th><td></td>', 'the doctor''s print has the box, blank');
SELECT doesnt_match(pg_temp.run_as('doctor_a', format('SELECT api.print_form(%s)', (SELECT id FROM form))),
  'R-0001', 'and none of the municipality''s entries');
-- a refusal for severity alone: 登録者証
SELECT is((pg_temp.record('municipality_staff_a', '{"outcome": "refused", "refusal_reason": "severity_not_met"}'))::jsonb
            #>> '{certification,registration_card_eligible}', 'true', 'a nanbyō refusal for severity alone: eligible for a 登録者証');
SELECT is((pg_temp.record('municipality_staff_a', '{"outcome": "refused", "refusal_reason": "diagnosis_not_met"}'))::jsonb
            #>> '{certification,registration_card_eligible}', 'false', 'not for the diagnosis');
SELECT is((pg_temp.record('municipality_staff_a', '{"outcome": "refused", "refusal_reason": "diagnosis_not_met"}'))::jsonb
            #>> '{certification,recipient_number}', NULL, 'a refusal keeps no recipient number');
SELECT is((pg_temp.run_as('municipality_staff_a', format('SELECT api.register_form(%s)::text', (SELECT id FROM form))))::jsonb ->> 'status',
  'registered', 'register_form keeps working after a certification');
SELECT is(pg_temp.record('municipality_staff_a', '{"outcome": "pending"}'), 'ERROR 55000 E_FORM_STATUS', 'a registered form''s certification is final');

-- the research-use consent
SELECT is(pg_temp.run_as('municipality_staff_a', format($q$SELECT api.record_research_consent(%s, current_date + 1)$q$, (SELECT id FROM form))),
  'ERROR 22023 E_CONSENT_DATE_FUTURE', 'no consent dated in the future');
SELECT is((pg_temp.run_as('municipality_staff_a', format($q$SELECT api.record_research_consent(%s, '2026-03-10')::text$q$, (SELECT id FROM form))))::jsonb
            #>> '{certification,research_consent,active}', 'true', 'the consent is recorded');
SELECT is((SELECT array_agg(form_id) FROM app.research_consented_form_ids() form_id), ARRAY[(SELECT id FROM form)],
  'the research extraction takes the consented form');
SELECT is(pg_temp.run_as('municipality_staff_a', format($q$SELECT api.withdraw_research_consent(%s, '2026-03-09')$q$, (SELECT id FROM form))),
  'ERROR 22023 E_CONSENT_WITHDRAWN_BEFORE', 'no withdrawal before the consent');
SELECT is((pg_temp.run_as('municipality_staff_a', format($q$SELECT api.withdraw_research_consent(%s)::text$q$, (SELECT id FROM form))))::jsonb
            #>> '{certification,research_consent,active}', 'false', 'the consent is withdrawn');
SELECT is((SELECT count(*)::int FROM app.research_consented_form_ids()), 0, 'and the form no longer leaves for research');
SELECT is(pg_temp.run_as('municipality_staff_a', format($q$SELECT api.withdraw_research_consent(%s)$q$, (SELECT id FROM form))),
  'ERROR 55000 E_CONSENT_NOT_RECORDED', 'a withdrawn consent cannot be withdrawn again');
SELECT is((SELECT array_agg(action ORDER BY id) FROM app.audit_log WHERE action LIKE 'form.research_consent%'),
  ARRAY['form.research_consent', 'form.research_consent_withdraw'], 'recording and withdrawing are audit-logged');
SELECT is((SELECT count(*)::int FROM app.form_history WHERE form_id = (SELECT id FROM form) AND part = 'research_consent'), 2,
  'both are in the form''s history');
SELECT is((pg_temp.run_as('doctor_a', format('SELECT api.get_form(%s)::text', (SELECT id FROM form))))::jsonb #> '{certification,research_consent}',
  NULL, 'the doctor does not see the consent');

SELECT * FROM finish();
ROLLBACK;
