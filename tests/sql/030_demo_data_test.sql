-- The demo data of `make run` (tests/demo/) loads, has what issue #4 names, and
-- every demo account logs in with the password and key printed by make run.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(8);
SET LOCAL client_min_messages = warning;
-- only what the demo files add counts (the database may hold other tests' rows)
CREATE TEMP TABLE before AS
  SELECT (SELECT coalesce(max(id), 0) FROM app.organisations) AS org, (SELECT coalesce(max(id), 0) FROM app.accounts) AS account;
\ir ../demo/010_organisations.sql
\ir ../demo/020_accounts.sql
\ir ../demo/030_forms.sql
CREATE TEMP VIEW added_organisations AS SELECT * FROM app.organisations WHERE id > (SELECT org FROM before);
CREATE TEMP VIEW added_accounts AS SELECT * FROM app.accounts WHERE id > (SELECT account FROM before);

-- (the public bodies come from the implementing-body master of the deploy; the demo adds none twice)
SELECT set_eq($$SELECT code || ' ' || municipality_kind FROM app.organisations WHERE code IN ('130001', '140007', '141003')$$,
  ARRAY['130001 prefecture', '140007 prefecture', '141003 designated_city'],
  'two prefectures and one designated city');
SELECT is((SELECT count(*)::int FROM added_organisations WHERE kind = 'municipality'), 0,
  'the demo data adds no second row for a body of the master');
SELECT is((SELECT count(*)::int FROM added_organisations WHERE kind = 'hospital'), 3, 'three hospitals');
SELECT set_eq($$SELECT DISTINCT role FROM added_accounts$$,
  ARRAY['doctor', 'clerk', 'hospital_admin', 'municipality_admin', 'municipality_staff',
        'operator_admin', 'operator_staff', 'ministry_admin', 'ministry_staff', 'contractor'],
  'an account of every role');
SELECT is(
  (SELECT array_agg(login_id ORDER BY login_id) FROM added_accounts
    WHERE NOT api.login(login_id, 'Demo-Pass-2026!', 'NANBYO-KEY-1:DEMO-' || login_id) ? 'token'),
  NULL, 'every demo account logs in with the demo password and its demo key');
SELECT is(
  (SELECT count(*)::int FROM added_accounts a
    WHERE a.login_id NOT LIKE (SELECT code FROM app.organisations o WHERE o.id = a.organisation_id) || '-%'),
  0, 'demo login ids follow <organisation code>-<number>');

SELECT is(
  (SELECT f.status FROM app.forms f JOIN app.access_keys k ON k.form_id = f.id
    WHERE k.key_hash = app.access_key_hash('NA6WYQ-WEJC3M-5E5WK9')),
  'issued', 'the demo access key opens the issued demo form');
SELECT is(
  (SELECT f.judgment ->> 'primary_judgment' FROM app.forms f JOIN app.access_keys k ON k.form_id = f.id
    WHERE k.key_hash = app.access_key_hash('NA6WYQ-WEJC3M-5E5WK9')),
  'meets', 'and its stored primary judgment is "meets"');

SELECT * FROM finish();
ROLLBACK;
