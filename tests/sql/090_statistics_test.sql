-- Statistics with small-cell protection (D1, issue #20 item 1): a cell of 3
-- is shown to the operator and hidden from the Ministry; for every published
-- table and every relation between published figures (rows, columns,
-- totals, margins shared by tables, the bodies of a prefecture, the review
-- outcome against the judgment table) no suppressed cell is alone, so none
-- can be worked out; a failed refresh keeps the previous figures and says
-- why; who may read and refresh. (The scheduled run: 091_statistics_cron_test.sql.)
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
SET LOCAL client_min_messages = warning;
\ir fixtures/accounts.sql

-- the contract of app.suppress_cells on a 2 × 2 table with totals: the 3
-- is suppressed, and with it a second cell of its row, of its column, and
-- the fourth cell of the rectangle
SELECT set_eq($$SELECT cell FROM app.suppress_cells('[
    {"cell": "a", "value": 3,  "relations": ["r1", "c1"]}, {"cell": "b", "value": 20, "relations": ["r1", "c2"]},
    {"cell": "r1", "value": 23, "relations": ["r1", "ct"]},
    {"cell": "c", "value": 15, "relations": ["r2", "c1"]}, {"cell": "d", "value": 30, "relations": ["r2", "c2"]},
    {"cell": "r2", "value": 45, "relations": ["r2", "ct"]},
    {"cell": "c1", "value": 18, "relations": ["rt", "c1"]}, {"cell": "c2", "value": 50, "relations": ["rt", "c2"]},
    {"cell": "t", "value": 68, "relations": ["rt", "ct"]}]') WHERE suppressed$$,
  ARRAY['a', 'b', 'c', 'd'], 'suppress_cells: the 3 and the three cells that would give it away');
SELECT is((SELECT array_agg(cell ORDER BY cell) FROM app.suppress_cells('[
    {"cell": "a", "value": 0, "relations": ["r"]}, {"cell": "b", "value": 12, "relations": ["r"]},
    {"cell": "t", "value": 12, "relations": ["r"]}]') WHERE suppressed), NULL,
  'suppress_cells: 0 is shown, and nothing else needs hiding');
SELECT throws_ok($q$SELECT count(*) FROM app.suppress_cells('[
    {"cell": "a", "value": 3, "relations": ["r"]}, {"cell": "t", "value": 0, "relations": ["r"]}]')$q$,
  '22023', '秘匿処理ができません（関係式 r の合計が合いません）。',
  'suppress_cells: a relation whose figures do not add up is refused');

-- The forms counted: fiscal 2025 nanbyō (N006: three women aged 70–74;
-- N002 and N049 with a mix of everything), fiscal 2025 shōman, fiscal 2024
-- nanbyō. Straight inserts (the statistics only read the stored forms).
CREATE TEMP TABLE spec AS
SELECT i, fy, disease, prog, hospital, birth, sex, channel, judgment, severity, outcome
  FROM (
    SELECT i, 2025 AS fy, 'N006' AS disease, 'nanbyo' AS prog, '1310123455' AS hospital, date '1950-06-01' AS birth,
           '2' AS sex, 'online' AS channel, 'meets' AS judgment, true AS severity, NULL::text AS outcome
      FROM generate_series(1, 3) i
    UNION ALL
    SELECT i, 2025, CASE WHEN i <= 60 THEN 'N002' ELSE 'N049' END, 'nanbyo',
           CASE WHEN i % 3 = 0 THEN '1410543215' ELSE '1310123455' END,
           date '1935-01-15' + (i * 211) % 25000, (1 + i % 2)::text,
           (ARRAY['online', 'xml', 'paper'])[1 + i % 3],
           CASE WHEN i % 4 = 0 THEN 'does_not_meet' ELSE 'meets' END, i % 4 <> 0,
           (ARRAY['granted', 'granted', 'refused', 'pending', NULL])[1 + i % 5]
      FROM generate_series(1, 95) i
    UNION ALL
    SELECT i, 2025, 'S0546', 'shoman', '1310123455', date '2012-03-01' + i * 37, (1 + i % 2)::text, 'online', 'meets',
           true, NULL
      FROM generate_series(1, 14) i
    UNION ALL
    SELECT i, 2024, 'N006', 'nanbyo', '1410543215', date '1945-01-01' + i * 400, (1 + i % 2)::text, 'xml', 'meets',
           i % 2 = 0, NULL
      FROM generate_series(1, 15) i) s;

CREATE TEMP TABLE made AS
WITH p AS (
  INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
  SELECT pg_temp.org(s.hospital), '統計 太郎', 'トウケイ タロウ', s.birth, s.sex, '東京都港区1'
    FROM spec s ORDER BY s.fy, s.disease, s.i
  RETURNING id)
SELECT p.id AS patient_id, s.*
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM p) p
  JOIN (SELECT s.*, row_number() OVER (ORDER BY s.fy, s.disease, s.i) AS n FROM spec s) s USING (n);

WITH f AS (
  INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                         purpose, status, judgment, fiscal_year, confirmed_at, confirmed_by, entry_channel)
  SELECT m.patient_id, (SELECT max(v.id) FROM app.form_versions v WHERE v.disease_code = m.disease), m.disease, m.prog,
         pg_temp.org(m.hospital), pg_temp.account('doctor_a'), pg_temp.account('doctor_a'), 'renewal', 'confirmed',
         jsonb_build_object('primary_judgment', m.judgment, 'severity', jsonb_build_object('met', m.severity)),
         m.fy, now(), pg_temp.account('doctor_a'), m.channel
    FROM made m ORDER BY m.patient_id
  RETURNING id, patient_id)
INSERT INTO app.certifications (form_id, program, outcome, refusal_reason, recipient_number, public_payer_number,
                                application_received_on, valid_from, valid_until, income_tier, special_case, monthly_cap_yen)
SELECT f.id, m.prog, m.outcome, CASE WHEN m.outcome = 'refused' THEN 'severity_not_met' END,
       CASE WHEN m.outcome = 'granted' THEN '1234566' END, CASE WHEN m.outcome = 'granted' THEN '54130018' END,
       '2025-06-01', CASE WHEN m.outcome = 'granted' THEN date '2025-06-01' END,
       CASE WHEN m.outcome = 'granted' THEN date '2026-05-31' END, CASE WHEN m.outcome = 'granted' THEN 'general1' END,
       CASE WHEN m.outcome = 'granted' THEN 'none' END, CASE WHEN m.outcome = 'granted' THEN 10000 END
  FROM f JOIN made m ON m.patient_id = f.patient_id
 WHERE m.outcome IS NOT NULL;

-- a draft is not counted
INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, fiscal_year)
SELECT patient_id, (SELECT max(v.id) FROM app.form_versions v WHERE v.disease_code = 'N006'), 'N006', 'nanbyo',
       pg_temp.org('1310123455'), pg_temp.account('doctor_a'), pg_temp.account('doctor_a'), 'renewal', 2025
  FROM made WHERE disease = 'N006' AND fy = 2025 LIMIT 1;

-- the refresh
CREATE TEMP TABLE run1 AS SELECT * FROM stats.refresh('sql');
SELECT is((SELECT status FROM run1), 'succeeded', 'the refresh succeeds');
SELECT is((SELECT forms_counted FROM run1), (SELECT count(*) FROM app.forms WHERE status <> 'draft'),
  'it counts every confirmed form, not the draft');
SELECT ok((SELECT duration_ms >= 0 AND finished_at >= started_at FROM run1), 'its duration is recorded');
SELECT is((SELECT count(*)::integer FROM stats.runs WHERE id = (SELECT id FROM run1) AND status = 'succeeded'), 1,
  'the run is recorded');
SELECT set_eq($$SELECT DISTINCT table_code FROM stats.cells$$, $$SELECT code FROM app.statistics_tables()$$,
  'every table is published');

-- the cell of 3: the operator sees 3, the Ministry and the municipalities do not
SELECT is(pg_temp.run_as('operator_staff_a',
  $q$SELECT value FROM api.statistics(2025, 'nanbyo', 'sex', 'N006') WHERE column_key = '2'$q$), '3',
  'the operator sees the cell of 3');
SELECT is(pg_temp.run_as('operator_staff_a',
  $q$SELECT suppressed FROM api.statistics(2025, 'nanbyo', 'sex', 'N006') WHERE column_key = '2'$q$), 'true',
  '… flagged as suppressed for everyone else');
SELECT is(pg_temp.run_as('ministry_staff_a',
  $q$SELECT coalesce(value::text, 'null') || ' ' || suppressed FROM api.statistics(2025, 'nanbyo', 'sex', 'N006')
      WHERE column_key = '2'$q$), 'null true', 'the Ministry gets no value for it, only the flag');
SELECT is(pg_temp.run_as('municipality_staff_b',
  $q$SELECT coalesce(value::text, 'null') FROM api.statistics(2025, 'nanbyo', 'age_band', 'N006') WHERE column_key = '70-74'$q$),
  'null', 'a municipality neither');
SELECT is(pg_temp.run_as('ministry_admin_a',
  $q$SELECT count(*) FROM api.statistics() WHERE value BETWEEN 1 AND 9$q$), '0',
  'no published figure is from 1 to 9');
SELECT is(pg_temp.run_as('ministry_admin_a',
  $q$SELECT count(*) FROM api.statistics() WHERE suppressed AND value IS NOT NULL$q$), '0',
  'no suppressed figure has a value outside the operator');
SELECT is(pg_temp.run_as('operator_admin_a',
  $q$SELECT count(*) FROM api.statistics() WHERE value BETWEEN 1 AND 9 AND NOT suppressed$q$), '0',
  'every count from 1 to 9 is suppressed');
SELECT ok((SELECT count(*) FROM stats.cells WHERE value = 0 AND NOT suppressed) > 0, 'zeros are shown');
SELECT ok((SELECT count(*) FROM stats.cells WHERE suppressed AND NOT primary_suppressed AND value > 9) > 0,
  'larger cells are suppressed to protect the small ones (complementary suppression)');
SELECT is(pg_temp.run_as('ministry_staff_a', $q$SELECT count(*) FROM stats.published_cells WHERE value BETWEEN 1 AND 9$q$),
  '0', 'SQL readers: the published view holds no small figure');
SELECT is(pg_temp.run_as('ministry_staff_a', $q$SELECT count(*) FROM stats.cells$q$), 'ERROR 42501',
  'SQL readers: the exact figures are the operator''s');
SELECT is(pg_temp.run_as('operator_staff_a',
  $q$SELECT count(*) FROM api.statistics(2025, 'nanbyo', 'body', body => '130001')$q$),
  (SELECT count(DISTINCT row_key)::text FROM stats.cells WHERE fiscal_year = 2025 AND program = 'nanbyo' AND table_code = 'body'),
  'filter: one body, one cell per disease row');
SELECT is(pg_temp.run_as('operator_staff_a',
  $q$SELECT count(DISTINCT column_key) FROM api.statistics(2025, 'nanbyo', 'prefecture', prefecture => '14')$q$), '1',
  'filter: one prefecture');

-- EVERY relation an outsider knows between the published figures, written
-- here from the tables' meaning (not from the refresh's own list): each
-- row and each column with its total; the margins the tables share are one
-- figure (the same cell_id); the bodies of a prefecture add up to it; the
-- outcome table and the judgment × outcome table count the same decisions.
-- sign: +1 a part, -1 the total it adds up to.
CREATE TEMP TABLE relation AS
SELECT 'row ' || concat_ws(' ', fiscal_year, program, table_code, row_key) AS relation, cell_id, value, suppressed,
       CASE WHEN column_key = '*' THEN -1 ELSE 1 END AS sign
  FROM stats.cells
UNION ALL
SELECT 'column ' || concat_ws(' ', fiscal_year, program, table_code, column_key), cell_id, value, suppressed,
       CASE WHEN row_key = '*' THEN -1 ELSE 1 END
  FROM stats.cells
UNION ALL
SELECT 'prefecture ' || concat_ws(' ', c.fiscal_year, c.program, c.row_key, c.prefecture_code), c.cell_id, c.value,
       c.suppressed, CASE c.table_code WHEN 'prefecture' THEN -1 ELSE 1 END
  FROM stats.cells c WHERE c.table_code IN ('prefecture', 'body') AND c.column_key <> '*'
UNION ALL
SELECT 'decisions ' || concat_ws(' ', fiscal_year, program, row_key,
         CASE WHEN column_key LIKE '%granted' THEN 'granted' WHEN column_key LIKE '%refused' THEN 'refused' ELSE 'open' END),
       cell_id, value, suppressed, CASE table_code WHEN 'outcome' THEN -1 ELSE 1 END
  FROM stats.cells WHERE table_code IN ('outcome', 'agreement') AND column_key <> '*';

SELECT is((SELECT array_agg(relation) FROM (SELECT relation FROM relation GROUP BY relation
                                             HAVING sum(sign * value) <> 0) x), NULL,
  'every relation holds (its parts add up to its total)');
SELECT ok((SELECT count(DISTINCT relation) FROM relation WHERE relation LIKE 'prefecture %') > 0
          AND (SELECT count(DISTINCT relation) FROM relation WHERE relation LIKE 'decisions %') > 0,
  'the relations between tables are there');
SELECT is((SELECT array_agg(relation) FROM (SELECT relation FROM relation GROUP BY relation
                                             HAVING count(DISTINCT cell_id) FILTER (WHERE suppressed) = 1) x), NULL,
  'no relation has exactly one suppressed figure: none can be worked out by subtraction');
SELECT is((SELECT array_agg(cell_id) FROM (SELECT cell_id FROM stats.cells GROUP BY cell_id
                                            HAVING count(DISTINCT suppressed) > 1 OR count(DISTINCT value) > 1) x), NULL,
  'a margin shown in several tables is the same figure, suppressed in all of them or none');
SELECT ok((SELECT count(*) FROM stats.cells c JOIN stats.cells d ON d.cell_id = c.cell_id AND d.table_code <> c.table_code
            WHERE c.suppressed) > 0,
  'shared margins were suppressed (the test covers them)');
SELECT is((SELECT count(*)::integer FROM stats.cells WHERE suppressed AND value = 0), 0,
  'no 0 is suppressed (every suppressed figure is at least 1)');

-- a failed refresh keeps the previous figures and records why
CREATE TEMP TABLE before AS SELECT * FROM stats.cells;
CREATE FUNCTION pg_temp.refuse_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'ディスクがいっぱいです（テスト）' USING ERRCODE = '53100'; END $$;
CREATE TRIGGER statistics_test_failure BEFORE INSERT ON stats.cells
  FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.refuse_cells();
INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
VALUES (pg_temp.org('1310123455'), '統計 次郎', 'トウケイ ジロウ', '1980-01-01', '1', '東京都港区1');
INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, status, judgment, fiscal_year, confirmed_at, confirmed_by)
SELECT (SELECT max(id) FROM app.patients), (SELECT max(v.id) FROM app.form_versions v WHERE v.disease_code = 'N006'),
       'N006', 'nanbyo', pg_temp.org('1310123455'), pg_temp.account('doctor_a'), pg_temp.account('doctor_a'), 'renewal',
       'confirmed', '{"primary_judgment": "meets"}', 2025, now(), pg_temp.account('doctor_a');
CREATE TEMP TABLE run2 AS SELECT * FROM stats.refresh('sql');
SELECT is((SELECT status FROM run2), 'failed', 'a refresh that fails is recorded as failed');
SELECT is((SELECT error_code FROM run2), 'E_STATISTICS_FAILED', '… with a code');
SELECT matches((SELECT error_message FROM run2), '前回の集計結果をそのまま公開.*53100.*ディスクがいっぱい',
  '… and says why, in Japanese');
SELECT is((SELECT count(*)::integer FROM stats.runs WHERE id = (SELECT id FROM run2) AND status = 'failed'), 1,
  'the failed run stays in the record');
SELECT set_eq($$SELECT * FROM stats.cells$$, $$SELECT * FROM before$$, 'the previous figures are still published, unchanged');
DROP TRIGGER statistics_test_failure ON stats.cells;
SELECT is((SELECT status FROM stats.refresh('sql')), 'succeeded', 'the next refresh succeeds');
SELECT is((SELECT value FROM stats.cells WHERE fiscal_year = 2025 AND program = 'nanbyo' AND table_code = 'sex'
             AND row_key = 'N006' AND column_key = '1'), 1::bigint, '… and counts the new form');

-- who may refresh and read
SELECT is(pg_temp.run_as('operator_staff_a', 'SELECT api.refresh_statistics()'), 'ERROR 42501 E_ROLE_NOT_ALLOWED',
  'operator staff may not refresh');
SELECT is(pg_temp.run_as('ministry_admin_a', 'SELECT api.refresh_statistics()'), 'ERROR 42501 E_ROLE_NOT_ALLOWED',
  'nor the Ministry');
SELECT is(pg_temp.run_as('operator_admin_a', $q$SELECT api.refresh_statistics() ->> 'status'$q$), 'succeeded',
  'the operator admin refreshes');
SELECT is((SELECT outcome FROM app.audit_log WHERE action = 'statistics.refresh' ORDER BY id DESC LIMIT 1), 'success',
  '… audited');
SELECT is(pg_temp.run_as('operator_admin_a', $q$SELECT trigger || ' ' || requested_by_login_id FROM api.statistics_runs(1)$q$),
  'operator operator_admin_a', 'the runs list names who asked');
SELECT is(pg_temp.run_as('ministry_admin_a', 'SELECT count(*) FROM api.statistics_runs()'), 'ERROR 42501 E_ROLE_NOT_ALLOWED',
  'the runs are the operator''s');
SELECT is(pg_temp.run_as('doctor_a', 'SELECT count(*) FROM api.statistics()'), 'ERROR 42501',
  'hospitals read no statistics');
SELECT is(pg_temp.run_as('contractor_a', 'SELECT count(*) FROM api.statistics_catalog()'), 'ERROR 42501',
  'nor contractors');
SELECT is(pg_temp.run_as('doctor_a', $q$SELECT count(*) FROM api.statistics()$q$, 'operator_staff'), 'ERROR 42501 E_ROLE_NOT_ALLOWED',
  'and the role check refuses a hospital account even under another database role');
SELECT is(pg_temp.run_as('ministry_staff_a', $q$SELECT api.statistics_catalog() ->> 'exact'$q$), 'false',
  'the catalog tells the Ministry it sees published figures');

-- the nightly job
SELECT is((SELECT schedule || ' ' || command FROM cron.job WHERE jobname = 'nanbyo-statistics-nightly'),
  '30 17 * * * SELECT stats.refresh(''schedule'')', 'pg_cron refreshes every night at 02:30 JST');

-- entry channel: online entry sets it
SELECT matches(pg_temp.run_as('clerk_a', $q$SELECT api.register_patient('経路 花子', 'ケイロ ハナコ', '1970-04-01', '2', '東京都港区1')->>'id'$q$),
  '^[0-9]+$', 'a patient for an online form');
CREATE TEMP TABLE online_form AS SELECT (pg_temp.run_as('doctor_a', format(
  $q$SELECT api.create_form(%s, 'N006', 'new')->>'id'$q$, (SELECT id FROM app.patients WHERE name = '経路 花子'))))::bigint AS id;
SELECT is((SELECT entry_channel FROM app.forms WHERE id = (SELECT id FROM online_form)),
  'online', 'a form entered online is counted as online');

SELECT * FROM finish();
ROLLBACK;
