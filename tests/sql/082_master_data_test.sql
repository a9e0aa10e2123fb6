-- Master data of D4 (#19 item 4, sql/master/): the implementing bodies the
-- deploy loads (and loads again without a change), the local government
-- code's check digit, the public payer numbers' rules, the history kept
-- append-only, and the last online day of a form version that forms were
-- registered with. (Over HTTP, every rule and refusal: tests/http/test_master_data.py;
-- who may call what: 020_access_matrix_test.sql.)
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

-- the bodies of sql/master/data/implementing_bodies.csv
SELECT is((SELECT count(*)::int FROM app.organisations WHERE kind = 'municipality' AND municipality_kind = 'prefecture'
            AND code LIKE prefecture_code || '000_'), 47, 'the 47 prefectures are loaded');
SELECT is((SELECT count(*)::int FROM app.organisations WHERE kind = 'municipality' AND municipality_kind = 'designated_city'
            AND runs_nanbyo AND runs_shoman AND app.valid_local_government_code(code)), 20,
  'the 20 designated cities run both programs');
SELECT is((SELECT count(*)::int FROM app.organisations WHERE kind = 'municipality'
            AND municipality_kind IN ('core_city', 'child_guidance_city') AND app.valid_local_government_code(code)
            AND runs_shoman AND NOT runs_nanbyo), 57, 'the core cities and child-guidance cities confirmed by a source run shōman only');
SELECT is((SELECT array_agg(code) FROM app.organisations WHERE kind = 'municipality' AND municipality_kind IS NOT NULL
            AND code < '480000' AND (NOT app.valid_local_government_code(code) OR substr(code, 1, 2) <> prefecture_code)),
  NULL, 'every loaded body''s code has its check digit and its prefecture');

SELECT ok(app.valid_local_government_code('130001') AND app.valid_local_government_code('141305')
          AND app.valid_local_government_code('010006'), 'valid local government codes');
SELECT ok(NOT app.valid_local_government_code('130002') AND NOT app.valid_local_government_code('13000')
          AND NOT app.valid_local_government_code('13000a'), 'a wrong check digit, length or character is refused');

-- loading again changes nothing (matched by code)
\set csv `cat sql/master/data/implementing_bodies.csv`
CREATE TEMP TABLE history_before AS SELECT count(*) AS n FROM app.master_history;
SELECT is(app.load_implementing_bodies(:'csv'), '{"added": 0, "updated": 0}'::jsonb, 'loading the file again adds and changes nothing');
SELECT is((SELECT count(*) FROM app.master_history), (SELECT n FROM history_before), 'and writes no history');
-- an operator's wrong edit is put right by the next deploy, with its history
UPDATE app.organisations SET name = '東京' WHERE kind = 'municipality' AND code = '130001';
SELECT is(app.load_implementing_bodies(:'csv'), '{"added": 0, "updated": 1}'::jsonb, 'a changed body is updated');
SELECT is((SELECT before ->> 'name' || '→' || (after ->> 'name') FROM app.master_history
            WHERE table_name = 'organisations' AND record_id = pg_temp.org('130001') ORDER BY id DESC LIMIT 1),
  '東京→東京都', 'with the row before and after in the history');
SELECT throws_like(format($$SELECT app.load_implementing_bodies(%L)$$,
                          split_part(:'csv', E'\n', 1) || E'\n130002,東京都,13,prefecture,true,true,x\n'),
  '%line 2: code 130002%', 'a wrong check digit in the file stops the deploy');

-- public payer numbers: the table's rules hold for any writer
CREATE TEMP TABLE payer AS SELECT pg_temp.org('130001') AS tokyo;
SELECT lives_ok($$INSERT INTO app.public_payer_numbers (organisation_id, program, number, valid_from)
                  VALUES ((SELECT tokyo FROM payer), 'nanbyo', '54130018', '2024-04-01')$$,
  'the worked example 54130018 is Tokyo''s nanbyō number');
SELECT throws_like($$INSERT INTO app.public_payer_numbers (organisation_id, program, number, valid_from)
                     VALUES ((SELECT tokyo FROM payer), 'shoman', '54130018', '2030-04-01')$$,
  '%法別番号 52%', 'a shōman number starts with 52');
SELECT throws_like($$INSERT INTO app.public_payer_numbers (organisation_id, program, number, valid_from)
                     VALUES (pg_temp.org('140007'), 'nanbyo', '54130018', '2030-04-01')$$,
  '%都道府県番号 14%', 'the prefecture digits are the body''s');
SELECT throws_like($$UPDATE app.public_payer_numbers SET number = '54130026' WHERE number = '54130018'$$,
  '%終了日と備考のほかは変更できません%', 'a number never changes, only its end and note');
SELECT throws_like($$UPDATE app.public_payer_numbers SET valid_until = '2024-03-31' WHERE number = '54130018'$$,
  '%終了日は開始日以降%', 'the end is not before the start');

-- the history is append-only
SELECT throws_like($$UPDATE app.master_history SET login_id = 'x'$$, '%変更・削除できません%', 'history rows never change');
SELECT throws_like($$DELETE FROM app.master_history$$, '%変更・削除できません%', 'nor are deleted');

-- a form version's last online day cannot go back behind forms registered online after it
SELECT matches(pg_temp.run_as('clerk_a', $q$SELECT api.register_patient('患者 乙', 'カンジャ オツ', '1960-05-01', '1', '東京都港区1')->>'id'$q$),
  '^[0-9]+$', 'a patient');
SELECT matches(pg_temp.run_as('doctor_a', format($q$SELECT api.create_form(%s, 'N006', 'new')->>'id'$q$,
  (SELECT max(id) FROM app.patients WHERE name = '患者 乙' AND hospital_id = pg_temp.org('1310123455')))), '^[0-9]+$', 'a form of N006 started online today');
SELECT is(pg_temp.run_as('operator_admin_a', format($q$SELECT api.set_form_version_online_until(%s, current_date - 1)$q$,
  (SELECT f.form_version_id FROM app.forms f JOIN app.patients p ON p.id = f.patient_id
    WHERE p.name = '患者 乙' AND p.hospital_id = pg_temp.org('1310123455') ORDER BY f.id DESC LIMIT 1))),
  'ERROR 22023 E_ONLINE_UNTIL_PAST', 'yesterday cannot be the last online day of a version used today');
-- a version of its own (S8999, only in this transaction), published by the operator admin
CREATE TEMP TABLE own_version AS
  SELECT definition || '{"disease_code": "S8999", "version_label": "試験版", "effective_from": "2024-04-01"}' AS d
    FROM app.form_versions WHERE disease_code = 'S0000' ORDER BY id LIMIT 1;
GRANT SELECT ON own_version TO PUBLIC;
SELECT matches(pg_temp.run_as('operator_admin_a', $q$SELECT api.publish_form_version((SELECT d FROM own_version))->>'id'$q$),
  '^[0-9]+$', 'the operator admin publishes a version');
SELECT is(pg_temp.run_as('operator_admin_a', format($q$SELECT api.set_form_version_online_until(%s, current_date - 1)->>'paper_until'$q$,
  (SELECT id FROM app.form_versions WHERE disease_code = 'S8999'))),
  ((current_date - 1) + interval '1 year')::date::text, 'a version nobody used since may close yesterday; on paper a year longer');
SELECT is(pg_temp.run_as('operator_staff_a', format($q$SELECT api.set_form_version_online_until(%s, current_date)$q$,
  (SELECT id FROM app.form_versions WHERE disease_code = 'S8999'))), 'ERROR 42501',
  'operator staff may not');
SELECT is((SELECT state FROM api.form_version_periods WHERE disease_code = 'S8999'), 'paper_only',
  'the closed version is on paper only now');
SELECT is((SELECT array_agg(action ORDER BY id) FROM app.master_history
            WHERE table_name = 'form_versions' AND record_id = (SELECT id FROM app.form_versions WHERE disease_code = 'S8999')),
  ARRAY['insert', 'update'], 'both changes are in the master history');

SELECT * FROM finish();
ROLLBACK;
