-- nanbyo.judge and the form-version master through SQL: result keys,
-- thresholds, errors with their stable codes, the version in force today,
-- immutability of published versions, and the per-backend cache.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(32);

CREATE FUNCTION pg_temp.error_detail(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  EXECUTE statement;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN detail;
END $$;

CREATE TEMP TABLE header AS SELECT jsonb_build_object(
  'patient_name', '難病 太郎', 'patient_name_kana', 'ナンビョウ タロウ',
  'patient_birth_date', '昭和35年5月1日', 'patient_sex', '1',
  'patient_address', '東京都千代田区千代田1-1', 'application_type', 'renewal',
  'entry_date', '2026-04-10', 'medical_institution_code', '1310270751',
  'medical_institution_name', '千代田病院', 'doctor_name', '指定 医師',
  'consent_db_registration', true) AS h;
CREATE FUNCTION pg_temp.pd(hy int, lf int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT h || jsonb_build_object('parkinsonism', true, 'imaging_no_abnormality', true,
    'no_drug_toxin_exposure', true, 'antiparkinson_response', true,
    'hoehn_yahr', hy, 'life_function_grade', lf) FROM header $$;

-- The bundled versions are loaded.
-- (23 nanbyō and 10 shōman diseases with machine judgment, and the general
-- form of each program, N000 and S0000)
SELECT is((SELECT count(*)::int FROM app.form_versions), 35, '35 bundled form versions');
SELECT set_eq('SELECT disease_code FROM app.form_versions',
  ARRAY['N000','N002','N005','N006','N011','N013','N017','N018','N022','N049','N050','N051','N052','N053','N056','N063',
        'N066','N071','N084','N085','N090','N093','N096','N097',
        'S0000','S0180','S0224','S0431','S0489','S0524','S0531','S0537','S0546','S0701','S1216'],
  'the bundled diseases and general forms');
SELECT ok((SELECT bool_and(content_hash = encode(sha256(convert_to(definition::text, 'UTF8')), 'hex'))
             FROM app.form_versions), 'content hashes are computed on insert');

-- Result shape.
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(nanbyo.judge('N006', pg_temp.pd(3, 2))) k),
  ARRAY['applicable','derived','diagnosis','errors','normalized_changes','primary_judgment','severity','valid','warnings'],
  'the result has the documented keys');
SELECT is(nanbyo.judge('N006', pg_temp.pd(3, 2)) ->> 'primary_judgment', 'meets', 'H-Y 3, grade 2 meets');
SELECT is(nanbyo.judge('N006', pg_temp.pd(2, 2)) ->> 'primary_judgment', 'does_not_meet', 'H-Y 2 does not');
SELECT is(nanbyo.judge('N006', pg_temp.pd(3, 1)) ->> 'primary_judgment', 'does_not_meet', 'grade 1 does not');
SELECT is(nanbyo.judge('N006', pg_temp.pd(3, 2)) -> 'severity' -> 'autofilled', '{"severity_hy3_lf2": true}',
  'the severity item is filled in');
SELECT is(nanbyo.judge('N006', pg_temp.pd(3, 2)) -> 'normalized_changes' ->> 'patient_birth_date', '1960-05-01',
  'era dates are stored as ISO dates');
SELECT is(nanbyo.judge((SELECT id FROM app.form_versions WHERE disease_code = 'N006'), pg_temp.pd(3, 2)),
  nanbyo.judge('N006', pg_temp.pd(3, 2)), 'judge by version id and by disease code agree');

-- One rule's items alone.
SELECT is(nanbyo.judge('N006', '{"hoehn_yahr": 3, "life_function_grade": 2}') -> 'severity' -> 'met', 'true',
  'severity is evaluated from its own items');
SELECT is(nanbyo.judge('N006', '{"hoehn_yahr": 3, "life_function_grade": 2}') ->> 'primary_judgment', 'needs_review',
  'incomplete data needs review');
SELECT ok(nanbyo.judge('N006', '{"hoehn_yahr": 3, "life_function_grade": 2}') -> 'errors'
          @> '[{"item": "parkinsonism", "code": "E_REQUIRED", "message": "「パーキンソニズムがある」は必須項目です。"}]',
  'a missing required item is an error with a Japanese message');

-- Wrong values.
SELECT ok(nanbyo.judge('N006', pg_temp.pd(6, 2)) -> 'errors' @> '[{"item": "hoehn_yahr", "code": "E_RANGE"}]', 'H-Y 6 is out of range');
SELECT ok(nanbyo.judge('N006', pg_temp.pd(3, 2) || '{"hoehn_yahr": "three"}') -> 'errors' @> '[{"item": "hoehn_yahr", "code": "E_TYPE"}]', 'a word is not an integer');
SELECT ok(nanbyo.judge('N006', pg_temp.pd(3, 2) || '{"colour": "red"}') -> 'errors' @> '[{"item": "colour", "code": "E_UNKNOWN_ITEM"}]', 'unknown item');
SELECT ok(nanbyo.judge('N006', pg_temp.pd(3, 2) || '{"patient_sex": "9"}') -> 'errors' @> '[{"item": "patient_sex", "code": "E_UNKNOWN_CODE"}]', 'unknown code');
SELECT is(nanbyo.judge('N006', pg_temp.pd(6, 2)) -> 'valid', 'false', 'errors make the form invalid');

-- SLE auto-calculation through SQL.
SELECT is(nanbyo.judge('N049', '{"sledai_arthritis": true, "sledai_rash": true}') -> 'derived' -> 'sledai_total', 'null',
  'SLEDAI total is unknown until all 24 are answered');

-- Errors raised, with stable codes in DETAIL.
SELECT throws_ok($$ SELECT nanbyo.judge('N999', '{}') $$, 'P0002',
  '疾病コード「N999」の現在有効な様式が見つかりません。', 'unknown disease');
SELECT is(pg_temp.error_detail($$ SELECT nanbyo.judge('N999', '{}') $$), 'E_UNKNOWN_DISEASE', 'its code');
SELECT is(pg_temp.error_detail($$ SELECT nanbyo.judge(-1::bigint, '{}') $$), 'E_FORM_VERSION_NOT_FOUND', 'unknown version id');
SELECT is(pg_temp.error_detail($$ SELECT nanbyo.judge('N006', '[1, 2]') $$), 'E_DATA_NOT_OBJECT', 'data must be an object');
SELECT is(nanbyo.judge('N006', NULL), NULL, 'strict: NULL data gives NULL');

-- Published versions are immutable; only online_until may be set.
SELECT is(pg_temp.error_detail($$ UPDATE app.form_versions SET definition = definition || '{"disease_name": "x"}' WHERE disease_code = 'N006' $$),
  'E_FORM_VERSION_IMMUTABLE', 'a definition cannot be changed');
SELECT is(pg_temp.error_detail($$ DELETE FROM app.form_versions WHERE disease_code = 'N006' $$),
  'E_FORM_VERSION_IMMUTABLE', 'a version cannot be deleted');
SELECT lives_ok($$ UPDATE app.form_versions SET online_until = '2027-03-31' WHERE disease_code = 'N006' $$,
  'online_until can be set');
SELECT is(pg_temp.error_detail($$ INSERT INTO app.form_versions (definition)
  SELECT jsonb_set(definition, '{severity,met}', '{"var": "nope"}') || '{"version_label": "壊れた版"}'
    FROM app.form_versions WHERE disease_code = 'N006' $$),
  'E_FORM_DEFINITION', 'a broken definition is refused on insert');

-- A newer version takes over from its effective date; a future one does not yet.
INSERT INTO app.form_versions (definition)
SELECT jsonb_set(definition || '{"version_label": "試験改訂版", "effective_from": "2025-04-01"}',
                 '{severity,met}', '{">=": [{"var": "hoehn_yahr"}, 4]}')
  FROM app.form_versions WHERE disease_code = 'N006' AND version_label = '令和6年4月1日改訂版';
INSERT INTO app.form_versions (definition)
SELECT definition || jsonb_build_object('version_label', '将来版', 'effective_from', (current_date + 1)::text)
  FROM app.form_versions WHERE disease_code = 'N006' AND version_label = '令和6年4月1日改訂版';
SELECT is(nanbyo.form_version_in_force('N006'),
  (SELECT id FROM app.form_versions WHERE version_label = '試験改訂版'), 'the newest effective version is in force');
SELECT is(nanbyo.judge('N006', pg_temp.pd(3, 2)) ->> 'primary_judgment', 'does_not_meet',
  'and judges by its rule (H-Y 4 in the test version)');

-- The compiled definition is cached by id with the row's content hash.
SELECT is(nanbyo.cached_form_version_hash((SELECT id FROM app.form_versions WHERE version_label = '試験改訂版')),
  (SELECT content_hash FROM app.form_versions WHERE version_label = '試験改訂版'), 'cached with its content hash');

-- Identifier checks.
SELECT ok(nanbyo.valid_public_payer_number('54130018') AND NOT nanbyo.valid_public_payer_number('54130017'),
  'public payer number check digit');

SELECT * FROM finish();
ROLLBACK;
