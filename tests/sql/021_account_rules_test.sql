-- Issuance rules and account actions (A1–A3, A5, A6, A8–A11, E3), run as the
-- fixture accounts through the api functions.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

CREATE FUNCTION pg_temp.issue_doctor(issuer text, hospital text, registry text, program text DEFAULT 'nanbyo',
                                     kind text DEFAULT 'designated', number text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
  SELECT pg_temp.run_as(issuer, format(
    $q$SELECT api.issue_account(role => 'doctor', organisation_id => %s, name => '新 医師', name_kana => 'シン イシ',
         program => %L, doctor_kind => %L, medical_registry_number => %L,
         designated_doctor_number => %L, designation_expires_on => current_date + 700)::text$q$,
    pg_temp.org(hospital), program, kind, registry, coalesce(number, 'D' || registry)))
$$;

-- A1: the municipality of the doctor's main hospital issues the ID
SELECT matches((pg_temp.issue_doctor('municipality_admin_a', '1310123455', '1000100'))::jsonb ->> 'login_id', '^1310123455-\d{4}$', 'the municipality of the main hospital issues a doctor ID named after the hospital');
SELECT is(pg_temp.issue_doctor('municipality_admin_b', '1310123455', '1000101'),
  'ERROR 42501 E_NOT_ISSUER', 'another municipality cannot issue a doctor ID for that hospital');
SELECT is(pg_temp.issue_doctor('operator_admin_a', '1310123455', '1000101'),
  'ERROR 42501 E_NOT_ISSUER', 'nor can the operator');
SELECT is(pg_temp.issue_doctor('hospital_admin_a', '1310123455', '1000101'),
  'ERROR 42501 E_NOT_ISSUER', 'nor the hospital admin');
SELECT is(pg_temp.run_as('municipality_admin_b', format(
    $q$SELECT 1 FROM api.issue_account('doctor', %s, '新', 'シン', program => 'nanbyo', doctor_kind => 'designated',
       medical_registry_number => '1000101', designated_doctor_number => 'D1000101',
       designation_expires_on => current_date + 1)$q$, pg_temp.org('1310123455'))),
  'ERROR 42501 E_NOT_ISSUER', 'the refusal carries the stable code');
SELECT matches(pg_temp.run_as('municipality_admin_b', format(
    $q$SELECT api.issue_account('doctor', %s, '新', 'シン', NULL, 'nanbyo', 'designated', '1000101', 'D1000101', current_date + 1)$q$,
    pg_temp.org('1310123455')), error_message => true), '東京都',
  'the wrong-issuer message names the municipality that issues for that hospital');

-- A2: one ID per doctor per program, by either number
SELECT is(pg_temp.issue_doctor('municipality_admin_b', '1410543215', '1000001'),
  'ERROR 23505 E_DUPLICATE_DOCTOR_ID', 'the same registry number cannot get a second nanbyo ID');
SELECT is(pg_temp.issue_doctor('municipality_admin_b', '1410543215', '1999999', number => 'D1000001'),
  'ERROR 23505 E_DUPLICATE_DOCTOR_ID', 'nor the same designated-doctor number');
SELECT matches(pg_temp.run_as('municipality_admin_b', format(
    $q$SELECT api.issue_account('doctor', %s, '新', 'シン', NULL, 'nanbyo', 'designated', '1000001', 'D9999999', current_date + 1)$q$,
    pg_temp.org('1410543215')), error_message => true), '既に東京都が発行',
  'the duplicate error names the municipality holding the existing ID');
SELECT ok((pg_temp.issue_doctor('municipality_admin_a', '1310123455', '1000001', 'shoman'))::jsonb ? 'login_id', 'the same doctor may hold one shoman ID besides the nanbyo one');

-- A9: switching between 協力難病指定医 and 難病指定医 needs the old ID deleted first
SELECT is(pg_temp.issue_doctor('municipality_admin_a', '1310123455', '1000001', kind => 'cooperating'),
  'ERROR 23505 E_KIND_SWITCH_DELETE_FIRST', 'a kind switch is refused while the old ID lives');
SELECT is(pg_temp.run_as('municipality_admin_b',
    format('SELECT api.delete_account(%s, %L)', pg_temp.account('doctor_a'), 'kind_switch')),
  'ERROR 42501 E_NOT_ISSUER', 'A3: only the issuing municipality deletes an ID');
SELECT is((pg_temp.run_as('municipality_admin_a',
    format('SELECT api.delete_account(%s, %L)::text', pg_temp.account('doctor_a'), 'kind_switch')))::jsonb -> 'deleted', 'true'::jsonb, 'the issuing municipality deletes it');
SELECT ok((pg_temp.issue_doctor('municipality_admin_a', '1310123455', '1000001', kind => 'cooperating'))::jsonb ? 'login_id', 'then the new kind is issued');
SELECT is(pg_temp.run_as('municipality_admin_a',
    format('SELECT api.delete_account(%s, %L)', pg_temp.account('clerk_a'), 'retired')),
  'ERROR 22023 E_DELETION_REASON', 'a deletion needs one of the five reasons');
SELECT is((SELECT count(*)::int FROM app.sessions WHERE account_id = pg_temp.account('doctor_a') AND revoked_at IS NULL),
  0, 'a deleted account has no live session');
SELECT is(api.login('doctor_a', 'Fixture-Pass-2026!', 'KEY-doctor_a') ->> 'details', 'E_LOGIN_FAILED',
  'a deleted account cannot log in');

-- A5: the first doctor of a hospital without an admin becomes its admin
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
VALUES ('hospital', '1411109875', '病院C', '14', pg_temp.org('140007'), pg_temp.org('140007'));
SELECT pg_temp.issue_doctor('municipality_admin_b', '1411109875', '3000001');
SELECT pg_temp.issue_doctor('municipality_admin_b', '1411109875', '3000002');
SELECT is((SELECT array_agg(is_hospital_admin ORDER BY id) FROM app.accounts WHERE organisation_id = pg_temp.org('1411109875')),
  ARRAY[true, false], 'the first doctor of a new hospital gets the admin right, the second does not');

-- A5: the hospital admin creates clerks and admins of its own hospital only
SELECT ok((pg_temp.run_as('hospital_admin_a', format(
    $q$SELECT api.issue_account('clerk', %s, '事務 花子', 'ジム ハナコ')::text$q$, pg_temp.org('1310123455'))))::jsonb ? 'initial_password', 'the hospital admin creates a clerk account');
SELECT is(pg_temp.run_as('hospital_admin_a', format(
    $q$SELECT api.issue_account('clerk', %s, '事務', 'ジム')$q$, pg_temp.org('1410543215'))),
  'ERROR 42501 E_NOT_ISSUER', 'but not at another hospital');
SELECT is(pg_temp.run_as('clerk_a', format(
    $q$SELECT api.issue_account('clerk', %s, '事務', 'ジム')$q$, pg_temp.org('1310123455'))),
  'ERROR 42501', 'a clerk cannot issue anything');
SELECT is(pg_temp.run_as('municipality_admin_a', format(
    $q$SELECT api.issue_account('municipality_staff', %s, '職員', 'ショクイン')$q$, pg_temp.org('140007'))),
  'ERROR 42501 E_NOT_ISSUER', 'a municipality issues staff IDs for itself only');
SELECT is(pg_temp.run_as('municipality_admin_a', format(
    $q$SELECT api.issue_account('municipality_staff', %s, '職員', 'ショクイン', program => 'nanbyo')$q$, pg_temp.org('130001'))),
  'ERROR 22023 E_NOT_A_DOCTOR', 'doctor columns on a non-doctor account are refused');

-- A11: five failures lock for a while; the hospital admin unlocks at once
SELECT is(api.login('clerk_a', 'wrong') ->> 'details', 'E_LOGIN_FAILED', 'a wrong password fails')
  FROM generate_series(1, 4);
SELECT is(api.login('clerk_a', 'wrong') ->> 'details', 'E_ACCOUNT_LOCKED', 'the fifth failure locks the account');
SELECT is(api.login('clerk_a', 'Fixture-Pass-2026!', 'KEY-clerk_a') ->> 'details', 'E_ACCOUNT_LOCKED',
  'a locked account cannot log in even with the right password');
SELECT ok((SELECT locked_until BETWEEN now() + interval '4 minutes' AND now() + interval '6 minutes'
             FROM app.login_throttle WHERE account_id = pg_temp.account('clerk_a')),
  'the lock lasts five minutes, not until someone unlocks it');
SELECT is(pg_temp.run_as('hospital_admin_b', format('SELECT api.unlock_account(%s)', pg_temp.account('clerk_a'))),
  'ERROR 42501 E_NOT_ISSUER', 'another hospital''s admin cannot unlock it');
SELECT is((pg_temp.run_as('hospital_admin_a', format('SELECT api.unlock_account(%s)::text', pg_temp.account('clerk_a'))))::jsonb -> 'unlocked', 'true'::jsonb, 'its hospital admin unlocks it');
SELECT ok(api.login('clerk_a', 'Fixture-Pass-2026!', 'KEY-clerk_a') ? 'token', 'then it logs in');
SELECT is((SELECT array_agg(outcome || ':' || coalesce(detail ->> 'reason', '') ORDER BY id)
             FROM app.audit_log WHERE action = 'login' AND target_id = pg_temp.account('clerk_a')::text),
  ARRAY['failure:wrong_password', 'failure:wrong_password', 'failure:wrong_password', 'failure:wrong_password',
        'failure:wrong_password', 'refused:locked', 'success:'],
  'every login attempt is in the audit log');
SELECT is(api.login('clerk_a', 'Fixture-Pass-2026!') ->> 'details', 'E_LOGIN_FAILED',
  'an enrolled account needs its key file (answered as any failed factor)');
SELECT is(api.login('clerk_a', 'Fixture-Pass-2026!', 'KEY-other') ->> 'details', 'E_LOGIN_FAILED',
  'a wrong key file is refused (the same answer: no password oracle)');
SELECT is((SELECT failures FROM app.login_throttle WHERE account_id = pg_temp.account('clerk_a')), 2,
  'both count toward the lockout');
SELECT ok(api.login('clerk_a', 'Fixture-Pass-2026!', 'KEY-clerk_a') ? 'token', 'the right factors log in');
SELECT is((SELECT count(*)::int FROM app.login_throttle WHERE account_id = pg_temp.account('clerk_a')), 0,
  'and the failures are forgotten');

-- A11: an unknown login id is answered exactly like an existing one, and
-- the typed id is never stored
SELECT is(api.login('no-such-id-' || n, 'wrong') - 'message', api.login('clerk_a', 'wrong') - 'message',
  'an unknown id fails as an existing one does') FROM generate_series(1, 1) n;
SELECT is(api.login('no-such-id', 'wrong') ->> 'details', 'E_LOGIN_FAILED', 'an unknown id fails')
  FROM generate_series(1, 4);
SELECT is(api.login('no-such-id', 'wrong') ->> 'details', 'E_ACCOUNT_LOCKED', 'and locks after five failures too');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE detail::text LIKE '%no-such-id%' OR target_id LIKE '%no-such-id%'),
  0, 'the unknown id typed is in no audit entry');
SELECT is((SELECT count(*)::int FROM app.login_throttle WHERE login_key LIKE '%no-such-id%'), 0,
  'nor in the lockout table (a keyed hash)');
DELETE FROM app.login_throttle WHERE account_id = pg_temp.account('clerk_a');
SELECT is(app.login_lock_duration(n), d, format('lock after %s failures', n))
  FROM (VALUES (4, interval '0'), (5, interval '5 minutes'), (6, interval '10 minutes'), (7, interval '20 minutes'),
               (9, interval '1 hour'), (50, interval '1 hour')) x(n, d);

-- A6: a designation change revokes the key and ends every session
SELECT is((pg_temp.run_as('municipality_admin_b', format(
    'SELECT api.update_doctor_designation(%s, current_date + 900)::text', pg_temp.account('doctor_b'))))::jsonb -> 'key_revoked', 'true'::jsonb, 'the issuing municipality changes the designation expiry');
SELECT is((SELECT key_hash FROM app.accounts WHERE login_id = 'doctor_b'), NULL, 'the key is revoked');
SELECT is((SELECT count(*)::int FROM app.sessions WHERE account_id = pg_temp.account('doctor_b') AND revoked_at IS NULL),
  0, 'every session of the doctor ended');
SELECT is(pg_temp.run_as('municipality_admin_a', format(
    'SELECT api.update_doctor_designation(%s, current_date + 900)', pg_temp.account('doctor_b'))),
  'ERROR 42501 E_NOT_ISSUER', 'another municipality cannot change it');
SELECT is(api.login('doctor_b', 'Fixture-Pass-2026!') ->> 'details', 'E_LOGIN_FAILED',
  'the password alone no longer opens an enrolment session');
SELECT is(api.login('doctor_b', 'Fixture-Pass-2026!', enrolment_code => 'AAAA-BBBB-CCCC') ->> 'details', 'E_LOGIN_FAILED',
  'nor does a wrong enrolment code');
CREATE TEMP TABLE designation_change AS SELECT pg_temp.run_as('municipality_admin_b', format(
    'SELECT api.update_doctor_designation(%s, current_date + 901)::text', pg_temp.account('doctor_b')))::jsonb AS r;
SELECT matches((SELECT r ->> 'enrolment_code' FROM designation_change), '^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$',
  'the revocation answers a one-time enrolment code for the municipality to hand over');
SELECT is((SELECT count(*)::int FROM app.enrolment_codes WHERE account_id = pg_temp.account('doctor_b')
             AND used_at IS NULL AND revoked_at IS NULL), 1, 'the newer code replaced the older one');
SELECT is((SELECT count(*)::int FROM app.enrolment_codes
            WHERE code_hash = app.enrolment_code_hash((SELECT r ->> 'enrolment_code' FROM designation_change))
              AND code_hash <> (SELECT r ->> 'enrolment_code' FROM designation_change)), 1, 'only its hash is stored');
SELECT is(api.login('doctor_b', 'Fixture-Pass-2026!',
                    enrolment_code => lower(replace((SELECT r ->> 'enrolment_code' FROM designation_change), '-', ' '))) ->> 'stage',
  'enrolment', 'password + code (as typed, in any case or spacing) open the enrolment session');
DELETE FROM app.login_throttle WHERE account_id = pg_temp.account('doctor_b');
UPDATE app.accounts SET designation_expires_on = current_date - 1 WHERE login_id = 'doctor_b';
SELECT is(api.login('doctor_b', 'Fixture-Pass-2026!', enrolment_code => (SELECT r ->> 'enrolment_code' FROM designation_change))
            ->> 'details', 'E_DESIGNATION_EXPIRED',
  'an expired designation refuses the login (once every factor was right)');

-- A7: enrolment issues a key file; the key is required from then on
UPDATE app.accounts SET key_hash = NULL, password_must_change = true, email = NULL WHERE login_id = 'clerk_b';
SELECT is(api.login('clerk_b', 'Fixture-Pass-2026!') ->> 'stage', 'enrolment', 'a first login opens an enrolment session');
SELECT is(pg_temp.run_as('clerk_b', $$SELECT api.complete_enrolment('Fixture-Pass-2026!', 'c@example.jp')$$, 'enrolling'),
  'ERROR 22023 E_PASSWORD_REUSED', 'the new password must differ');
SELECT is(pg_temp.run_as('clerk_b', $$SELECT api.complete_enrolment('short', 'c@example.jp')$$, 'enrolling'),
  'ERROR 22023 E_PASSWORD_TOO_SHORT', 'the password policy applies');
CREATE TEMP TABLE enrolment AS SELECT pg_temp.run_as('clerk_b',
  $$SELECT api.complete_enrolment('Another-Pass-2026!', 'clerk.b@example.jp')::text$$, 'enrolling')::jsonb AS r;
SELECT matches((SELECT r ->> 'key_file' FROM enrolment), '^NANBYO-KEY-1:[A-Za-z0-9_-]{43}$', 'a key file is issued');
SELECT ok(api.login('clerk_b', 'Another-Pass-2026!', (SELECT r ->> 'key_file' FROM enrolment)) ->> 'stage' = 'full',
  'the new password and key file open a full session');

-- A5: reissue the key, reset the password, hand over the admin right
SELECT is((SELECT kind || ' ' || to_address FROM app.mail_outbox WHERE account_id = pg_temp.account('clerk_b')
             ORDER BY id DESC LIMIT 1), 'key_issued clerk.b@example.jp', 'the new key file is told by mail');
CREATE TEMP TABLE reissue AS SELECT pg_temp.run_as('hospital_admin_b',
  format('SELECT api.reissue_key(%s)::text', pg_temp.account('clerk_b')))::jsonb AS r;
SELECT is((SELECT r ->> 'key_revoked' FROM reissue), 'true', 'the hospital admin reissues a key');
SELECT is((SELECT kind FROM app.mail_outbox WHERE account_id = pg_temp.account('clerk_b') ORDER BY id DESC LIMIT 1),
  'key_revoked', 'the revocation is told to the registered address');
SELECT ok((SELECT body NOT LIKE '%' || (SELECT r ->> 'enrolment_code' FROM reissue) || '%' AND body LIKE '%' || '病院%'
             FROM app.mail_outbox WHERE account_id = pg_temp.account('clerk_b') ORDER BY id DESC LIMIT 1),
  'the mail names who did it and carries no code');
SELECT is(api.login('clerk_b', 'Another-Pass-2026!', (SELECT r ->> 'key_file' FROM enrolment)) ->> 'details', 'E_LOGIN_FAILED',
  'the old key opens nothing, and the password alone does not enrol a new one');
SELECT is(api.login('clerk_b', 'Another-Pass-2026!', enrolment_code => (SELECT r ->> 'enrolment_code' FROM reissue)) ->> 'stage',
  'enrolment', 'password + enrolment code open an enrolment session');
UPDATE app.sessions SET revoked_at = now() WHERE account_id = pg_temp.account('clerk_b') AND revoked_at IS NULL
   AND enrolment_code_id IS NULL;
CREATE TEMP TABLE reenrolment AS SELECT pg_temp.run_as('clerk_b',
  $$SELECT api.complete_enrolment()::text$$, 'enrolling')::jsonb AS r;
SELECT matches((SELECT r ->> 'key_file' FROM reenrolment), '^NANBYO-KEY-1:', 'the enrolment issues the new key file');
SELECT ok((SELECT used_at IS NOT NULL FROM app.enrolment_codes WHERE account_id = pg_temp.account('clerk_b')
            ORDER BY id DESC LIMIT 1), 'and spends the code');
SELECT is(api.login('clerk_b', 'Another-Pass-2026!', enrolment_code => (SELECT r ->> 'enrolment_code' FROM reissue)) ->> 'details',
  'E_LOGIN_FAILED', 'a spent code opens nothing');
SELECT ok(api.login('clerk_b', 'Another-Pass-2026!', (SELECT r ->> 'key_file' FROM reenrolment)) ->> 'stage' = 'full',
  'the new key file opens a full session');
-- an enrolment session without the code (opened before the revocation) cannot enrol
CREATE TEMP TABLE reissue2 AS SELECT pg_temp.run_as('hospital_admin_b',
  format('SELECT api.reissue_key(%s)::text', pg_temp.account('clerk_b')))::jsonb AS r;
INSERT INTO app.sessions (account_id, stage, expires_at) VALUES (pg_temp.account('clerk_b'), 'enrolment', now() + interval '30 minutes');
SELECT is(pg_temp.run_as('clerk_b', $$SELECT api.complete_enrolment()$$, 'enrolling'),
  'ERROR 42501 E_ENROLMENT_CODE_INVALID', 'an enrolment session opened without the code issues no key file');
UPDATE app.enrolment_codes SET expires_at = now() - interval '1 second'
 WHERE account_id = pg_temp.account('clerk_b') AND used_at IS NULL AND revoked_at IS NULL;
SELECT is(api.login('clerk_b', 'Another-Pass-2026!', enrolment_code => (SELECT r ->> 'enrolment_code' FROM reissue2)) ->> 'details',
  'E_LOGIN_FAILED', 'an expired code opens nothing');
DELETE FROM app.login_throttle WHERE account_id = pg_temp.account('clerk_b');
SELECT matches(pg_temp.run_as('hospital_admin_b', format('SELECT api.reset_password(%s)::text', pg_temp.account('clerk_b'))),
  '"initial_password": "[^"]{16}"', 'the hospital admin resets a password');
SELECT is((SELECT kind FROM app.mail_outbox WHERE account_id = pg_temp.account('clerk_b') ORDER BY id DESC LIMIT 1),
  'password_reset', 'a password reset is told by mail');
SELECT is(pg_temp.run_as('hospital_admin_b', format('SELECT api.transfer_hospital_admin(%s)', pg_temp.account('clerk_b'))),
  'ERROR 22023 E_CANNOT_BE_ADMIN', 'the admin right goes to doctors and admin accounts only');
SELECT is((pg_temp.run_as('hospital_admin_a', format('SELECT api.transfer_hospital_admin(%s)::text',
    (SELECT id FROM app.accounts WHERE organisation_id = pg_temp.org('1310123455') AND role = 'doctor'
        AND deleted_at IS NULL ORDER BY id LIMIT 1))))::jsonb -> 'transferred', 'true'::jsonb, 'the hospital admin hands the right to a doctor');
SELECT is((SELECT is_hospital_admin FROM app.accounts WHERE login_id = 'hospital_admin_a'), false,
  'and no longer has it');

-- A8: secondary hospitals
UPDATE app.accounts SET designation_expires_on = current_date + 10 WHERE login_id = 'doctor_b';
INSERT INTO app.sessions (account_id, stage, expires_at)
VALUES (pg_temp.account('doctor_b'), 'full', now() + interval '30 minutes');
SELECT is(pg_temp.run_as('doctor_b', $$SELECT api.apply_secondary_hospital('1410543215')$$),
  'ERROR 22023 E_OWN_HOSPITAL', 'the main hospital is not a secondary one');
SELECT is((pg_temp.run_as('doctor_b', $$SELECT api.apply_secondary_hospital('1310123455')::text$$))::jsonb ->> 'status', 'applied', 'a doctor applies to a secondary hospital');
SELECT is(pg_temp.run_as('doctor_b', $$SELECT api.apply_secondary_hospital('1310123455')$$),
  'ERROR 23505 E_ALREADY_APPLIED', 'once');
SELECT is(pg_temp.run_as('hospital_admin_b', format('SELECT api.decide_secondary_hospital(%s, true)',
    (SELECT id FROM app.secondary_hospitals ORDER BY id DESC LIMIT 1))),
  'ERROR 42501 E_NOT_HOSPITAL_ADMIN', 'only the secondary hospital''s admin decides');
SELECT is((pg_temp.run_as(
    (SELECT login_id FROM app.accounts WHERE organisation_id = pg_temp.org('1310123455') AND is_hospital_admin LIMIT 1),
    format('SELECT api.decide_secondary_hospital(%s, true)::text', (SELECT id FROM app.secondary_hospitals ORDER BY id DESC LIMIT 1))))::jsonb ->> 'status', 'approved', 'the secondary hospital''s admin approves');
SELECT is(pg_temp.run_as('doctor_b', 'SELECT app.current_hospital_ids()::text'),
  format('{%s}', (SELECT string_agg(id::text, ',' ORDER BY id) FROM app.organisations
                   WHERE code IN ('1310123455', '1410543215'))),
  'approval adds the hospital to what the doctor may see');

-- A10: a hospital code change rewrites its login ids
SELECT is(pg_temp.run_as('municipality_admin_b', format(
    $q$SELECT api.change_medical_institution_code(%s, '1411109875')$q$, pg_temp.org('1310123455'))),
  'ERROR 42501 E_NOT_ISSUER', 'only the hospital''s municipality or the operator changes its code');
SELECT is(pg_temp.run_as('municipality_admin_a', format(
    $q$SELECT api.change_medical_institution_code(%s, '1411109875')$q$, pg_temp.org('1310123455'))),
  'ERROR 23505 E_CODE_TAKEN', 'a code in use is refused');
SELECT is(pg_temp.run_as('municipality_admin_a', format(
    $q$SELECT api.change_medical_institution_code(%s, '1310123456')$q$, pg_temp.org('1310123455'))),
  'ERROR 22023 E_MEDICAL_INSTITUTION_CODE', 'a code with a wrong check digit is refused');
DELETE FROM app.organisations WHERE code = '1411109875' AND NOT EXISTS (
  SELECT FROM app.accounts WHERE organisation_id = organisations.id);
UPDATE app.accounts SET login_id = '1310123455-0099' WHERE login_id = 'clerk_a';
SELECT is((SELECT jsonb_agg(x ORDER BY x ->> 'new_login_id') FILTER (WHERE x ->> 'old_login_id' = '1310123455-0099')
             FROM jsonb_array_elements((pg_temp.run_as('municipality_admin_a', format(
               $q$SELECT api.change_medical_institution_code(%s, '1310012344')::text$q$,
               pg_temp.org('1310123455'))))::jsonb -> 'accounts') x) -> 0 -> 'new_login_id',
  '"1310012344-0099"'::jsonb, 'login ids starting with the old code are rewritten and reported');
SELECT is((SELECT count(*)::int FROM app.accounts WHERE login_id LIKE '1310123455-%'), 0, 'no login id keeps the old code');

-- E3: the audit log is append-only, even for its owner
SELECT throws_ok($$UPDATE app.audit_log SET outcome = 'success'$$, '42501', '操作ログは変更・削除できません。',
  'UPDATE of the audit log is refused');
SELECT throws_ok($$DELETE FROM app.audit_log$$, '42501', '操作ログは変更・削除できません。',
  'DELETE of the audit log is refused');
SELECT throws_ok($$TRUNCATE app.audit_log$$, '42501', '操作ログは変更・削除できません。',
  'TRUNCATE of the audit log is refused');
SELECT ok((SELECT count(*) FROM app.audit_log WHERE action = 'account.issue' AND actor_login_id = 'municipality_admin_a'
             AND actor_role = 'municipality_admin' AND actor_organisation_id = pg_temp.org('130001')) > 0,
  'issuance is logged with actor, role and organisation');

SELECT * FROM finish();
ROLLBACK;
