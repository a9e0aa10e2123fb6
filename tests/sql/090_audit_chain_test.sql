-- The audit log's partitions and hash chain (D2, E3): entries go to the
-- partition of their month (or the default one), every partition is
-- append-only, the sealer chains every entry once, and verification finds
-- an entry changed or removed as superuser, a removed link and a broken
-- chain hash, at the right place.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

CREATE FUNCTION pg_temp.month_partition(at timestamptz) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT 'audit_log_' || to_char(app.audit_log_month(at), 'YYYY_MM') $$;
CREATE FUNCTION pg_temp.entry(action text, at timestamptz DEFAULT clock_timestamp()) RETURNS bigint LANGUAGE sql
AS $$ INSERT INTO app.audit_log (at, action, outcome, actor_login_id) VALUES (at, action, 'success', 'test')
      RETURNING id $$;

-- --- partitions ---------------------------------------------------------
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'app.audit_log'::regclass), 'p',
          'the audit log is a partitioned table');
SELECT ok(to_regclass('app.audit_log_default') IS NOT NULL, 'it has a default partition');
SELECT ok(to_regclass('app.' || pg_temp.month_partition(now() + interval '3 months')) IS NOT NULL,
          'partitions are made three months ahead');
SELECT ok(EXISTS (SELECT FROM cron.job WHERE jobname = 'nanbyo-audit-log-partitions'
                    AND command = 'SELECT app.ensure_audit_log_partitions()'),
          'pg_cron makes the months ahead every night');
SELECT pg_temp.entry('test.now') AS now_entry \gset
SELECT pg_temp.entry('test.later', now() + interval '2 months') AS later_entry \gset
SELECT pg_temp.entry('test.far', now() + interval '9 months') AS far_entry \gset
SELECT is((SELECT tableoid::regclass::text FROM app.audit_log WHERE id = :now_entry),
          'app.' || pg_temp.month_partition(now()), 'an entry goes to the partition of its month');
SELECT is((SELECT tableoid::regclass::text FROM app.audit_log WHERE id = :later_entry),
          'app.' || pg_temp.month_partition(now() + interval '2 months'), 'an entry of a later month to its own');
SELECT is((SELECT tableoid::regclass::text FROM app.audit_log WHERE id = :far_entry),
          'app.audit_log_default', 'an entry of a month without a partition goes to the default one: never refused');
SET client_min_messages = error;  -- (its warning names the month left in the default partition)
SELECT is(app.ensure_audit_log_partitions(months_ahead => 9), 5,
          'the months up to nine ahead are made, except the month already in the default partition');
SELECT ok(to_regclass('app.' || pg_temp.month_partition(now() + interval '9 months')) IS NULL
          AND to_regclass('app.' || pg_temp.month_partition(now() + interval '8 months')) IS NOT NULL,
          'that month stays in the default partition (still searchable)');
SELECT is(app.ensure_audit_log_partitions(months_ahead => 9), 0, 'making partitions again makes none');
RESET client_min_messages;
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action = 'test.far'), 1, 'the entry is read through the log');
SELECT ok(EXISTS (SELECT FROM pg_indexes WHERE schemaname = 'app'
                    AND tablename = pg_temp.month_partition(now() + interval '8 months')
                    AND indexdef LIKE '%(actor_login_id, at)%'),
          'a new partition has the indexes of the log');

-- --- append-only on every partition ----------------------------------------
SELECT throws_ok(format('UPDATE app.%I SET outcome = %L', pg_temp.month_partition(now()), 'failure'),
  '42501', '操作ログは変更・削除できません。', 'UPDATE of a month partition by name is refused');
SELECT throws_ok(format('DELETE FROM app.%I', pg_temp.month_partition(now())),
  '42501', '操作ログは変更・削除できません。', 'DELETE from a month partition is refused');
SELECT throws_ok(format('TRUNCATE app.%I', pg_temp.month_partition(now())),
  '42501', '操作ログは変更・削除できません。', 'TRUNCATE of a month partition is refused');
SELECT throws_ok(format('TRUNCATE app.%I', pg_temp.month_partition(now() + interval '8 months')),
  '42501', '操作ログは変更・削除できません。', 'TRUNCATE of a partition made later is refused too');
SELECT throws_ok('TRUNCATE app.audit_log_default', '42501', '操作ログは変更・削除できません。',
  'TRUNCATE of the default partition is refused');
SELECT throws_ok('DELETE FROM app.audit_log_default', '42501', '操作ログは変更・削除できません。',
  'DELETE from the default partition is refused');
SELECT throws_ok('TRUNCATE app.audit_log', '42501', '操作ログは変更・削除できません。',
  'TRUNCATE of the whole log is refused');

-- --- sealing ---------------------------------------------------------------
SELECT ok(EXISTS (SELECT FROM cron.job WHERE jobname = 'nanbyo-seal-audit-log' AND schedule = '* * * * *'),
          'pg_cron seals the log every minute');
SELECT ok(app.seal_audit_log() > 0, 'the sealer seals the entries not sealed yet');
SELECT is((SELECT count(*)::int FROM app.audit_log l WHERE NOT EXISTS (
             SELECT FROM app.audit_chain c WHERE c.audit_id = l.id)), 0, 'every entry has its link');
SELECT is(app.seal_audit_log(), 0::bigint, 'sealing again seals nothing');
SELECT is(app.seal_audit_log(whole_log => true), 0::bigint, 'nor does sealing the whole log');
-- an entry of a lower id that becomes visible later (its request ran longer)
INSERT INTO app.audit_log (id, at, action, outcome, actor_login_id) OVERRIDING SYSTEM VALUE
VALUES (0, clock_timestamp(), 'test.late', 'success', 'late');
SELECT is(app.seal_audit_log(), 1::bigint, 'an entry of a lower id that came late is sealed by the next run');
SELECT is((SELECT seq FROM app.audit_chain WHERE audit_id = 0), (SELECT max(seq) FROM app.audit_chain),
          'at the end of the chain');
SELECT is((SELECT count(*) FROM app.audit_chain), (SELECT count(DISTINCT audit_id) FROM app.audit_chain),
          'no entry is sealed twice');
SELECT is((SELECT max(seq) FROM app.audit_chain), (SELECT count(*) FROM app.audit_chain),
          'the links are numbered 1, 2, 3, … without a gap');
SELECT is((SELECT chain_hash FROM app.audit_chain WHERE seq = 1),
          sha256(app.audit_chain_genesis() || (SELECT entry_hash FROM app.audit_chain WHERE seq = 1)),
          'the first link chains on 32 zero bytes');
SELECT is((SELECT c.chain_hash FROM app.audit_chain c WHERE c.seq = (SELECT max(seq) FROM app.audit_chain)),
          (SELECT sha256(p.chain_hash || c.entry_hash) FROM app.audit_chain c JOIN app.audit_chain p ON p.seq = c.seq - 1
            WHERE c.seq = (SELECT max(seq) FROM app.audit_chain)),
          'each link is sha256(previous chain_hash || entry_hash)');
SELECT is((SELECT c.entry_hash FROM app.audit_chain c JOIN app.audit_log l ON l.id = c.audit_id
            WHERE l.action = 'test.now'),
          (SELECT sha256(convert_to(jsonb_build_array(l.id::text, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                     NULL, NULL, 'test', NULL, NULL, 'test.now', 'success', NULL, NULL, '{}', NULL)::text, 'UTF8'))
             FROM app.audit_log l WHERE l.action = 'test.now'),
          'entry_hash is the SHA-256 of the canonical text documented in docs/audit-log.md');
SELECT throws_ok('UPDATE app.audit_chain SET chain_hash = entry_hash', '42501',
  '操作ログのハッシュ連鎖は変更・削除できません。', 'the chain cannot be changed');
SELECT throws_ok('DELETE FROM app.audit_chain', '42501',
  '操作ログのハッシュ連鎖は変更・削除できません。', 'nor a link removed');
SELECT throws_ok('TRUNCATE app.audit_chain', '42501',
  '操作ログのハッシュ連鎖は変更・削除できません。', 'nor the chain emptied');

-- --- verification ----------------------------------------------------------
SELECT pg_temp.entry('test.victim') AS victim \gset
SELECT pg_temp.entry('test.after') AS after_victim \gset
SELECT app.seal_audit_log() AS sealed \gset
SELECT (SELECT seq FROM app.audit_chain WHERE audit_id = :victim) AS victim_seq \gset
SELECT is(app.verify_audit_chain() - 'last_chain_hash',
          jsonb_build_object('status', 'ok', 'links', :victim_seq + 1, 'verified', :victim_seq + 1, 'unsealed', 0,
                             'first_break', NULL),
          'an untouched log verifies: every link, none unsealed');
SELECT is(app.verify_audit_chain(batch => 3) ->> 'status', 'ok', 'also in small batches');

-- a superuser changes an entry behind the triggers' back
SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE app.audit_log SET outcome = 'failure' WHERE id = :victim;
RESET session_replication_role;
SELECT is((app.verify_audit_chain() -> 'first_break') - 'message' - 'audit_at',
          jsonb_build_object('seq', :victim_seq, 'audit_id', :victim, 'problem', 'changed_entry'),
          'a changed entry is found at its link');
SELECT is((app.verify_audit_chain() ->> 'verified')::bigint, :victim_seq - 1::bigint,
          'and the links before it are verified');
SELECT is(app.verify_audit_chain(batch => 2) -> 'first_break' ->> 'seq', :victim_seq::text,
          'batches find the same link');
SELECT is(app.verify_audit_chain() -> 'first_break' ->> 'message',
          '操作ログの内容が封印時と異なります（改ざんされた可能性があります）。', 'with a Japanese message');
ROLLBACK TO SAVEPOINT tamper;

-- a superuser removes an entry
SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
DELETE FROM app.audit_log WHERE id = :victim;
RESET session_replication_role;
SELECT is((app.verify_audit_chain() -> 'first_break') - 'message' - 'audit_at',
          jsonb_build_object('seq', :victim_seq, 'audit_id', :victim, 'problem', 'missing_entry'),
          'a removed entry is found at its link');
ROLLBACK TO SAVEPOINT tamper;

-- a superuser removes the entry and its link
SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
DELETE FROM app.audit_log WHERE id = :victim;
DELETE FROM app.audit_chain WHERE audit_id = :victim;
RESET session_replication_role;
SELECT is(app.verify_audit_chain() -> 'first_break' ->> 'problem', 'missing_link', 'a removed link is found');
SELECT is(app.verify_audit_chain() -> 'first_break' ->> 'seq', :victim_seq::text, 'at its seq');
SELECT is(app.verify_audit_chain(batch => greatest(:victim_seq - 1, 1)::int) -> 'first_break' ->> 'seq', :victim_seq::text,
          'also when it is the first of a batch');
ROLLBACK TO SAVEPOINT tamper;

-- a superuser rewrites the entry and its entry_hash: the chain breaks
SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE app.audit_log SET outcome = 'failure' WHERE id = :victim;
UPDATE app.audit_chain c SET entry_hash = app.audit_entry_hash(l) FROM app.audit_log l
 WHERE l.id = c.audit_id AND c.audit_id = :victim;
RESET session_replication_role;
SELECT is((app.verify_audit_chain() -> 'first_break') - 'message' - 'audit_at',
          jsonb_build_object('seq', :victim_seq, 'audit_id', :victim, 'problem', 'broken_chain'),
          'an entry re-hashed without its chain is a broken chain at its link');
ROLLBACK TO SAVEPOINT tamper;

SELECT is(app.verify_audit_chain() ->> 'status', 'ok', 'after the savepoints the chain is sound again');
SELECT pg_temp.entry('test.unsealed') AS unsealed_entry \gset
SELECT is((app.verify_audit_chain() ->> 'unsealed')::int, 1, 'an entry not sealed yet is counted');

-- --- through the api, by role ------------------------------------------------
SELECT is(pg_temp.run_as('operator_staff_a', 'SELECT api.verify_audit_log() ->> ''status'''), 'ok',
          'the operator verifies the log');
SELECT is(pg_temp.run_as('ministry_staff_a', 'SELECT (api.verify_audit_log() ->> ''unsealed'')::text'), '0',
          'the Ministry too; the check seals what was not sealed');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action = 'audit_log.verify' AND actor_login_id = 'operator_staff_a'
             AND detail ->> 'status' = 'ok'), 1, 'the check is logged with its result');
SELECT is(pg_temp.run_as(r, 'SELECT api.verify_audit_log()::text'), 'ERROR 42501', r || ' may not verify the log')
  FROM unnest(ARRAY['doctor_a', 'hospital_admin_a', 'municipality_admin_a', 'municipality_staff_a', 'contractor_a']) r;
SELECT is(pg_temp.run_as('operator_staff_a', 'SELECT count(*)::text FROM app.audit_chain'),
          (SELECT count(*)::text FROM app.audit_chain), 'the operator may read the chain (to verify it independently)');
SELECT is(pg_temp.run_as('municipality_admin_a', 'SELECT count(*)::text FROM app.audit_chain'), 'ERROR 42501',
          'a municipality may not');
SELECT is(pg_temp.run_as('operator_admin_a', 'SELECT count(*)::text FROM app.audit_log_default'), 'ERROR 42501',
          'nobody reads a partition by name: only through the log and its policy');

-- --- search filters (the HTTP round trip: tests/http/test_audit_log.py) -------------
SELECT is(pg_temp.run_as('operator_staff_a', format(
            'SELECT string_agg(action, '','' ORDER BY at) FROM api.search_audit_log(actor_login_id => %L, action => %L)',
            'test', 'test.')),
          'test.now,test.victim,test.after,test.unsealed,test.later,test.far',
          'by actor and action prefix, over every partition');
SELECT is(pg_temp.run_as('operator_staff_a', format(
            'SELECT string_agg(action, '','') FROM api.search_audit_log(actor_login_id => %L, "limit" => 2, oldest_first => true)',
            'test')),
          'test.now,test.victim', 'oldest first');
SELECT is(pg_temp.run_as('operator_staff_a', format(
            'SELECT string_agg(action, '','') FROM api.search_audit_log(actor_login_id => %L, "limit" => 2, oldest_first => true,
               cursor_at => (SELECT at FROM app.audit_log WHERE id = %s), cursor_id => %s)',
            'test', :victim, :victim)),
          'test.after,test.unsealed', 'the next page after a keyset cursor');
SELECT is(pg_temp.run_as('operator_staff_a', format(
            'SELECT string_agg(action, '','') FROM api.search_audit_log(actor_login_id => %L, action => %L)', 'test', 'test_')),
          NULL, 'a _ in the action prefix is taken literally');
SELECT is(pg_temp.run_as('operator_staff_a', 'SELECT count(*)::text FROM api.search_audit_log(outcome => ''maybe'')'),
          'ERROR 22023 E_AUDIT_OUTCOME', 'an unknown outcome is refused');
SELECT is(pg_temp.run_as('operator_staff_a', 'SELECT count(*)::text FROM api.search_audit_log(cursor_id => 1)'),
          'ERROR 22023 E_AUDIT_CURSOR', 'a cursor needs both its parts');

SELECT * FROM finish();
ROLLBACK;
