-- The forms, their personal parts and their history partitioned by fiscal
-- year (E3, issue #22): each row goes to its year's partition, a form's id
-- stays unique across the years, its year never changes, the years ahead
-- are made every night, a query of one year reads one partition, and no
-- API role reads a partition by name.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

CREATE FUNCTION pg_temp.new_form(fy integer) RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                         created_by, purpose, data, fiscal_year)
  SELECT p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', p.hospital_id, d.id, d.id, 'new', '{}', fy
    FROM app.patients p JOIN app.accounts d ON d.organisation_id = p.hospital_id AND d.role = 'doctor'
   WHERE p.name = '年度 太郎' LIMIT 1
  RETURNING id $$;

INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
VALUES (pg_temp.org('1310123455'), '年度 太郎', 'ネンド タロウ', '1960-01-01', '1', '東京都千代田区1');

-- --- the layout -----------------------------------------------------------
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_partitioned_table t
             JOIN pg_class c ON c.oid = t.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'app' AND c.relname IN ('forms', 'form_personal', 'form_history')
              AND pg_get_partkeydef(c.oid) = 'RANGE (fiscal_year)'),
          ARRAY['form_history', 'form_personal', 'forms'],
          'the forms, their personal parts and their history are partitioned by fiscal year');
SELECT is((SELECT count(*)::int FROM generate_series(2015, app.fiscal_year(current_date) + 1) y,
                  unnest(ARRAY['forms', 'form_personal', 'form_history']) t
            WHERE to_regclass(format('app.%I', t || '_fy' || y)) IS NOT NULL),
          3 * (app.fiscal_year(current_date) + 1 - 2015 + 1),
          'each table has a partition for every fiscal year from FY2015 to the next one');
SELECT ok(to_regclass('app.forms_default') IS NOT NULL AND to_regclass('app.form_personal_default') IS NOT NULL
          AND to_regclass('app.form_history_default') IS NOT NULL, 'and a default partition each');
SELECT ok(EXISTS (SELECT FROM cron.job WHERE jobname = 'nanbyo-form-partitions'
                    AND command = 'SELECT app.ensure_form_partitions()'),
          'pg_cron makes the next fiscal year''s partitions every night');

-- --- where rows go --------------------------------------------------------
SELECT pg_temp.new_form(2026) AS f2026 \gset
SELECT pg_temp.new_form(2024) AS f2024 \gset
INSERT INTO app.form_personal (form_id, fiscal_year, data) VALUES (:f2026, 2026, '{"patient_name": "年度 太郎"}');
SELECT is((SELECT tableoid::regclass::text FROM app.forms WHERE id = :f2026), 'app.forms_fy2026',
          'a form goes to its fiscal year''s partition');
SELECT is((SELECT tableoid::regclass::text FROM app.forms WHERE id = :f2024), 'app.forms_fy2024',
          'a form of an earlier year to that year''s');
SELECT is((SELECT tableoid::regclass::text FROM app.form_personal WHERE form_id = :f2026),
          'app.form_personal_fy2026', 'its personal part to the same year''s partition');
SELECT is((SELECT array_agg(DISTINCT tableoid::regclass::text) FROM app.form_history WHERE form_id = :f2026),
          ARRAY['app.form_history_fy2026'], 'and its history too');
SELECT is((SELECT fiscal_year FROM app.form_ids WHERE id = :f2026), 2026, 'the id is registered with its year');
SELECT is((SELECT hospital_id FROM app.form_personal WHERE form_id = :f2026), pg_temp.org('1310123455'),
          'the personal part carries its form''s hospital (for the search by kana)');

-- the kana candidates of a hospital's staff are their hospital's only
INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
VALUES (pg_temp.org('1410543215'), '年度 花子', 'ネンド ハナコ', '1960-01-01', '2', '神奈川県横浜市1');
INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                       created_by, purpose, data, fiscal_year)
SELECT p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', p.hospital_id, d.id, d.id, 'new', '{}', 2026
  FROM app.patients p JOIN app.accounts d ON d.organisation_id = p.hospital_id AND d.role = 'doctor'
 WHERE p.name = '年度 花子' LIMIT 1
RETURNING id AS other_form \gset
INSERT INTO app.form_personal (form_id, fiscal_year, data) VALUES (:other_form, 2026, '{"patient_name_kana": "ネンド ハナコ"}');
UPDATE app.form_personal SET data = data || '{"patient_name_kana": "ネンド タロウ"}' WHERE form_id = :f2026;
SELECT set_config('request.jwt.claims', json_build_object('role', 'doctor', 'sub', pg_temp.account('doctor_a'),
                  'org', pg_temp.org('1310123455'))::text, true);
SELECT is(app.forms_with_kana('ネンド'), ARRAY[:f2026]::bigint[],
          'a doctor''s kana candidates are the forms of their own hospitals');
SELECT set_config('request.jwt.claims', json_build_object('role', 'operator_staff', 'sub', pg_temp.account('doctor_a'),
                  'org', pg_temp.org('1310123455'))::text, true);
SELECT is((SELECT array_agg(x ORDER BY x) FROM unnest(app.forms_with_kana('ネンド')) x),
          (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[:f2026, :other_form]::bigint[]) x),
          'other callers'' candidates are every hospital''s (their policies decide what they see)');
SELECT is(app.forms_with_kana('ネンド_'), '{}'::bigint[], 'a wildcard in the kana is a character, not a wildcard');
SELECT set_config('request.jwt.claims', '', true);

SELECT throws_ok(format($$INSERT INTO app.form_personal (form_id, fiscal_year, data) VALUES (%s, 2025, '{}')$$, :f2026),
                 '23502', NULL, 'a personal part of another year than its form''s is refused (no form of that year has a hospital)');
SELECT throws_ok(format($$INSERT INTO app.forms (id, patient_id, form_version_id, disease_code, program, hospital_id,
                                                 doctor_account_id, created_by, purpose, data, fiscal_year)
                          OVERRIDING SYSTEM VALUE
                          SELECT %s, patient_id, form_version_id, disease_code, program, hospital_id,
                                 doctor_account_id, created_by, purpose, data, 2025
                            FROM app.forms WHERE id = %s$$, :f2026, :f2026),
                 '23505', NULL, 'the id of a form cannot be used again in another fiscal year');
SELECT throws_ok(format('UPDATE app.forms SET fiscal_year = 2025 WHERE id = %s', :f2026),
                 '55000', '票の年度は作成後に変更できません。', 'a form''s fiscal year never changes');
SELECT throws_ok(format('INSERT INTO app.access_keys (form_id, key_hash, issued_by) VALUES (%s, %L, %s)',
                        :f2026 + 1000000, 'x', pg_temp.account('doctor_a')),
                 '23503', NULL, 'a reference to a form that does not exist is still refused');

-- --- a query of one year reads one partition ------------------------------
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan;
END $$;
SELECT ok(pg_temp.plan('SELECT count(*) FROM app.forms WHERE fiscal_year = 2026') ~ 'forms_fy2026'
          AND pg_temp.plan('SELECT count(*) FROM app.forms WHERE fiscal_year = 2026') !~ 'forms_fy2025',
          'a query of one fiscal year reads that year''s partition only');

-- --- the years ahead ------------------------------------------------------
SELECT is(app.ensure_form_partitions(), 0, 'making the partitions again changes nothing');
SELECT is(app.ensure_form_partitions(3), 6, 'two more years ahead are two partitions for each of three tables');
SELECT ok(to_regclass(format('app.forms_fy%s', app.fiscal_year(current_date) + 3)) IS NOT NULL,
          'named by their year');
SELECT pg_temp.new_form(2040) AS f2040 \gset
SELECT is((SELECT tableoid::regclass::text FROM app.forms WHERE id = :f2040), 'app.forms_default',
          'a form of a year without a partition goes to the default partition');

-- --- no API role reads a partition by name --------------------------------
SET LOCAL ROLE operator_admin;
SELECT throws_ok('SELECT count(*) FROM app.forms_fy2026', '42501', NULL,
                 'even the operator cannot read a partition around the table''s policies');
SELECT throws_ok('SELECT count(*) FROM app.form_ids', '42501', NULL, 'nor the register of form ids');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
