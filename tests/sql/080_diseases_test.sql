-- The disease master (D4, #19, sql/master/diseases.sql): the published
-- lists as loaded (348 指定難病, 341 of them in force on 2024-04-01; the
-- shōman diseases by group), machine_judged, the operator admin's
-- maintenance with its refusals (nothing written), the history, and a
-- reload of the data file that keeps the operator's changes.
-- (Who may call what: 020_access_matrix_test.sql; over HTTP: tests/http/test_diseases.py.)
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

-- the lists as loaded
SELECT is((SELECT count(*)::int FROM app.diseases WHERE program = 'nanbyo'), 348, '348 designated intractable diseases');
SELECT is((SELECT array_agg(notice_number ORDER BY notice_number) FROM app.diseases WHERE program = 'nanbyo'),
          (SELECT array_agg(n) FROM generate_series(1, 348) n), 'numbered 1 to 348 without a gap');
SELECT is((SELECT count(*)::int FROM api.diseases WHERE program = 'nanbyo'
            AND (effective_from IS NULL OR effective_from <= '2024-04-01')
            AND (effective_until IS NULL OR effective_until >= '2024-04-01')), 341, '341 in force on 2024-04-01');
SELECT is((SELECT count(*)::int FROM api.diseases WHERE program = 'nanbyo'
            AND effective_from <= '2025-04-01' AND effective_until IS NULL), 348, '348 in force on 2025-04-01');
SELECT is((SELECT array_agg(disease_code ORDER BY disease_code) FROM app.diseases WHERE effective_from = '2025-04-01'),
          ARRAY['N342', 'N343', 'N344', 'N345', 'N346', 'N347', 'N348'], 'No.342–348 from 2025-04-01');
SELECT is((SELECT name FROM api.diseases WHERE disease_code = 'N006'), 'パーキンソン病', 'N006 is Parkinson''s disease');
SELECT is((SELECT name FROM api.diseases WHERE disease_code = 'N063'), '免疫性血小板減少症', 'No.63 carries its 2025 name');
SELECT is((SELECT name FROM api.diseases WHERE disease_code = 'S0701'), '1型糖尿病', 'S0701 is type 1 diabetes (group 07, No.1)');
SELECT is((SELECT count(DISTINCT disease_group_code)::int FROM app.diseases WHERE program = 'shoman'), 16, 'shōman diseases of all 16 groups');
SELECT ok((SELECT count(*) FROM app.diseases WHERE program = 'shoman') > 700, 'over 700 shōman diseases');
SELECT is((SELECT disease_group FROM api.diseases WHERE disease_code = 'S0701'), '糖尿病', 'the group is named');
SELECT is((SELECT count(*)::int FROM app.diseases WHERE source IS NULL OR btrim(source) = ''), 0, 'every row says where it comes from');

-- machine_judged: a form version of its own, not the general one
SELECT ok((SELECT machine_judged FROM api.diseases WHERE disease_code = 'N006'), 'N006 has a machine-judged form version');
SELECT ok(NOT (SELECT machine_judged FROM api.diseases WHERE disease_code = 'N001'), 'N001 has none');
SELECT ok(NOT app.disease_machine_judged('N000') AND NOT app.disease_machine_judged('S0000'),
          'the general form versions (N000, S0000) never count');
SELECT is((SELECT array_agg(DISTINCT f.disease_code) FROM app.form_versions f
            WHERE f.disease_code NOT IN ('N000', 'S0000')
              AND NOT EXISTS (SELECT FROM app.diseases d WHERE d.disease_code = f.disease_code)), NULL,
          'every disease with a form version of its own is in the master');
SELECT is(pg_temp.run_as('ministry_staff_a', $$SELECT count(*) FROM api.diseases WHERE machine_judged$$),
          (SELECT count(*)::text FROM api.diseases WHERE machine_judged),
          'a role that cannot read form versions still sees machine_judged');

-- the operator admin adds a disease
SELECT is(pg_temp.run_as('operator_admin_a',
            $$SELECT api.add_disease('n349', '試験疾病', '2026-04-01', '試験の告示')::text$$)::jsonb ->> 'disease_code',
          'N349', 'the operator admin adds N349 (code typed in lower case)');
SELECT is((SELECT (change, changed_by, new_values ->> 'name') FROM app.disease_history WHERE disease_code = 'N349'),
          ROW('add'::text, pg_temp.account('operator_admin_a'), '試験疾病'::text), 'the history records the addition and who');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action = 'disease.add' AND target_id = 'N349'), 1, 'and the audit log');
SELECT is(pg_temp.run_as('operator_admin_a',
            $$SELECT api.add_disease('S1650', '試験小慢疾病', '2026-04-01', '試験の告示')::text$$)::jsonb ->> 'disease_group',
          '脈管系疾患', 'a shōman code names its group');

CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM app.diseases) AS diseases, (SELECT count(*) FROM app.disease_history) AS history;
SELECT is(pg_temp.run_as('operator_admin_a', format($$SELECT api.add_disease(%L, '疾病', '2026-04-01', '告示')$$, code)),
          'ERROR 22023 E_DISEASE_CODE_FORMAT', format('%s is refused', code))
  FROM unnest(ARRAY['N06', 'N0006', 'X001', 'N000', 'S0000', 'S0500', 'S1701', 'S000A', '']) code;
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.add_disease('N006', 'パーキンソン病', '2015-01-01', '告示')$$),
          'ERROR 23505 E_DISEASE_EXISTS', 'a duplicate code is refused');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.add_disease('N350', '疾病', '2026-04-01', '告示', '2026-03-31')$$),
          'ERROR 22023 E_DISEASE_DATES', 'an end before the start is refused');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.add_disease('N350', '  ', '2026-04-01', '告示')$$),
          'ERROR 22023 E_DISEASE_NAME_REQUIRED', 'an empty name is refused');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.add_disease('N350', '疾病', NULL, '告示')$$),
          'ERROR 22023 E_DISEASE_EFFECTIVE_FROM_REQUIRED', 'a disease needs its first day');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.add_disease('N350', '疾病', '2026-04-01', '')$$),
          'ERROR 22023 E_DISEASE_SOURCE_REQUIRED', 'and its source');
SELECT matches(pg_temp.run_as('operator_admin_a', $$SELECT api.add_disease('N06', '疾病', '2026-04-01', '告示')$$, error_message => true),
               'N＋告示番号3桁', 'the format error says the format in Japanese');
SELECT is(pg_temp.run_as(login, $$SELECT api.add_disease('N350', '疾病', '2026-04-01', '告示')$$), 'ERROR 42501',
          format('%s may not add a disease', login))
  FROM unnest(ARRAY['operator_staff_a', 'ministry_admin_a', 'municipality_admin_a', 'doctor_a']) login;
SELECT is(pg_temp.run_as('operator_staff_a', $$SELECT api.rename_disease('N006', '別名', '告示')$$), 'ERROR 42501',
          'operator staff may not rename one');
SELECT is((SELECT (count(*), (SELECT count(*) FROM app.disease_history)) FROM app.diseases),
          (SELECT (diseases, history) FROM before), 'nothing was written by the refusals');

-- rename, with the old name kept
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.rename_disease('N349', '試験疾病（改称）', '改正告示')::text$$)::jsonb ->> 'name',
          '試験疾病（改称）', 'the operator admin renames a disease');
SELECT is((SELECT (old_values ->> 'name', new_values ->> 'name') FROM app.disease_history WHERE disease_code = 'N349' AND change = 'rename'),
          ROW('試験疾病'::text, '試験疾病（改称）'::text), 'the history keeps the old name');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.rename_disease('N349', '試験疾病（改称）', '改正告示')$$),
          'ERROR 22023 E_DISEASE_NAME_UNCHANGED', 'the same name is refused');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.rename_disease('N999', '疾病', '告示')$$),
          'ERROR P0002 E_DISEASE_NOT_FOUND', 'an unknown disease is 404');

-- the last day in force
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.set_disease_effective_until('N349', '2026-03-01', '告示')$$),
          'ERROR 22023 E_DISEASE_DATES', 'an end before its start is refused');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.set_disease_effective_until('N001', current_date - 1, '廃止の告示')::text$$)::jsonb ->> 'effective_until',
          (current_date - 1)::text, 'the operator admin ends a disease');
SELECT ok(NOT (SELECT in_force FROM api.diseases WHERE disease_code = 'N001'), 'it is no longer in force');
SELECT is(pg_temp.run_as('operator_admin_a', $$SELECT api.set_disease_effective_until('N001', current_date - 1, '廃止の告示')$$),
          'ERROR 22023 E_DISEASE_EFFECTIVE_UNTIL_UNCHANGED', 'the same end again is refused');
SELECT ok(pg_temp.run_as('operator_admin_a', $$SELECT api.set_disease_effective_until('N001', NULL, '取消')::text$$)::jsonb -> 'effective_until' = 'null'::jsonb,
          'null lifts the end');
SELECT is((SELECT array_agg(change ORDER BY id) FROM app.disease_history WHERE disease_code = 'N001'),
          ARRAY['add', 'set_effective_until', 'set_effective_until'], 'every change is in the history');
SELECT is(jsonb_array_length(pg_temp.run_as('doctor_a', $$SELECT api.disease_history('N001')::text$$)::jsonb), 3,
          'every logged-in user reads the history');
SELECT is(pg_temp.run_as('doctor_a', $$SELECT api.disease_history('N001')::text$$)::jsonb -> 0 ->> 'changed_by',
          'operator_admin_a', 'newest first, with who');

-- a reload of the data file: the operator's change wins, other rows follow the file
SELECT is(app.load_disease_rows(jsonb_build_array(
            jsonb_build_object('program', 'nanbyo', 'disease_code', 'N001', 'notice_number', 1, 'name', '球脊髄性筋萎縮症（新）',
                               'disease_group_code', '', 'effective_from', '2015-01-01', 'effective_until', '', 'source', 'file v2'),
            jsonb_build_object('program', 'nanbyo', 'disease_code', 'N002', 'notice_number', 2, 'name', '筋萎縮性側索硬化症（新）',
                               'disease_group_code', '', 'effective_from', '2015-01-01', 'effective_until', '', 'source', 'file v2'))),
          '{"added": 0, "updated": 1, "kept_operator_changes": 1}'::jsonb, 'a reload updates the file''s rows and keeps the operator''s');
SELECT is((SELECT name FROM app.diseases WHERE disease_code = 'N001'), '球脊髄性筋萎縮症', 'the operator-changed row stays');
SELECT is((SELECT (name, updated_by) FROM app.diseases WHERE disease_code = 'N002'), ROW('筋萎縮性側索硬化症（新）'::text, NULL::bigint),
          'the other follows the file');
SELECT is((SELECT change FROM app.disease_history WHERE disease_code = 'N002' ORDER BY id DESC LIMIT 1), 'update',
          'and the history says the file updated it');

-- nothing is lost
SELECT throws_like($$DELETE FROM app.diseases WHERE disease_code = 'N349'$$, '%削除できません%', 'a disease is never deleted');
SELECT throws_like($$UPDATE app.disease_history SET change = 'add'$$, '%変更・削除できません%', 'the history is append-only');

SELECT * FROM finish();
ROLLBACK;
