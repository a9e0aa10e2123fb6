-- The audit log's hash chain (E3, D2; the table:
-- sql/foundation/migrations/0007_audit_chain.sql; the format for auditors:
-- docs/audit-log.md). Writers never wait for it: a sealer appends the
-- entries not yet sealed, in batches, under a lock of its own; pg_cron runs
-- it every minute and api.verify_audit_log runs it before verifying.

-- Append-only: nobody changes or removes a link, not even the owner.
CREATE OR REPLACE FUNCTION app.audit_chain_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = '操作ログのハッシュ連鎖は変更・削除できません。',
    DETAIL  = 'E_AUDIT_CHAIN_APPEND_ONLY';
END
$$;
DROP TRIGGER IF EXISTS audit_chain_no_update ON app.audit_chain;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE OR DELETE ON app.audit_chain
  FOR EACH ROW EXECUTE FUNCTION app.audit_chain_append_only();
DROP TRIGGER IF EXISTS audit_chain_no_truncate ON app.audit_chain;
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON app.audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION app.audit_chain_append_only();

-- (These pure helpers set no search_path and are STABLE like the
-- functions they call, so that PostgreSQL inlines them into the sealer's
-- and the verifier's queries: every name in them is of pg_catalog, which
-- is always searched first.)

-- The canonical text of an entry, the input of its entry_hash: a JSON
-- array of its 13 columns in table order, each as text or null —
-- id, at (UTC, ISO 8601 with microseconds and Z), request_id,
-- actor_account_id, actor_login_id, actor_role, actor_organisation_id,
-- action, outcome, target_kind, target_id, detail (PostgreSQL's jsonb
-- text, as psql prints it), api_token_id — written as PostgreSQL writes a
-- jsonb array (", " between elements, non-ASCII as is). A new column of
-- the log must be added here at the end (docs/audit-log.md says so).
CREATE OR REPLACE FUNCTION app.audit_entry_canonical(
  id bigint, at timestamptz, request_id text, actor_account_id bigint, actor_login_id text, actor_role text,
  actor_organisation_id bigint, action text, outcome text, target_kind text, target_id text, detail jsonb,
  api_token_id bigint)
RETURNS text
LANGUAGE sql
STABLE
AS $$
  SELECT jsonb_build_array(id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                           request_id, actor_account_id::text, actor_login_id, actor_role,
                           actor_organisation_id::text, action, outcome, target_kind, target_id, detail::text,
                           api_token_id::text)::text
$$;

-- entry_hash of an entry: SHA-256 of its canonical text in UTF-8. Of its
-- columns (what the sealer and the verifier call: a row of a partition
-- would be converted to the log's row type once per column), and of a row.
CREATE OR REPLACE FUNCTION app.audit_entry_hash(
  id bigint, at timestamptz, request_id text, actor_account_id bigint, actor_login_id text, actor_role text,
  actor_organisation_id bigint, action text, outcome text, target_kind text, target_id text, detail jsonb,
  api_token_id bigint)
RETURNS bytea
LANGUAGE sql
STABLE
AS $$
  SELECT sha256(convert_to(app.audit_entry_canonical(id, at, request_id, actor_account_id, actor_login_id, actor_role,
                                                     actor_organisation_id, action, outcome, target_kind, target_id,
                                                     detail, api_token_id), 'UTF8'))
$$;
CREATE OR REPLACE FUNCTION app.audit_entry_hash(l app.audit_log)
RETURNS bytea
LANGUAGE sql
STABLE
AS $$
  SELECT app.audit_entry_hash(l.id, l.at, l.request_id, l.actor_account_id, l.actor_login_id, l.actor_role,
                              l.actor_organisation_id, l.action, l.outcome, l.target_kind, l.target_id, l.detail,
                              l.api_token_id)
$$;

-- The chain_hash before the first link: 32 zero bytes.
CREATE OR REPLACE FUNCTION app.audit_chain_genesis()
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT decode(repeat('00', 32), 'hex') $$;

-- One step of the chain: the first value starts it (the previous link's
-- chain_hash), each next one is chained on. As a window aggregate it
-- gives every row its chain_hash in one pass (app.seal_audit_log).
CREATE OR REPLACE FUNCTION app.audit_chain_step(state bytea, entry_hash bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE
AS $$ BEGIN RETURN CASE WHEN state IS NULL THEN entry_hash ELSE pg_catalog.sha256(state || entry_hash) END; END $$;
CREATE OR REPLACE AGGREGATE app.audit_chain_hash(bytea) (sfunc = app.audit_chain_step, stype = bytea);

-- How far back the sealer looks for entries not yet sealed, before the
-- last sealing: an entry is written (`at`) when its request runs and
-- becomes visible when the request commits, so one of a long request (the
-- bulk import runs up to 10 minutes) may come after newer ones were
-- sealed. An entry older than that (one written with an `at` of the past)
-- is still sealed by api.verify_audit_log (whole_log), and counted as not
-- sealed until then.
CREATE OR REPLACE FUNCTION app.audit_seal_window()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '1 hour' $$;

-- Appends links for `entries` (in the order given) after the last link,
-- and answers how many. The caller holds the sealer's lock.
CREATE OR REPLACE FUNCTION app.append_audit_links(entries app.audit_log[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  last_link app.audit_chain;
  n bigint;
BEGIN
  IF coalesce(cardinality(entries), 0) = 0 THEN
    RETURN 0;
  END IF;
  SELECT * INTO last_link FROM app.audit_chain c ORDER BY c.seq DESC LIMIT 1;
  INSERT INTO app.audit_chain (seq, audit_id, audit_at, entry_hash, chain_hash)
  SELECT coalesce(last_link.seq, 0) + s.n, s.id, s.at, s.entry_hash, s.chain_hash
    FROM (SELECT o.n, o.id, o.at, o.entry_hash,
                 app.audit_chain_hash(o.entry_hash) OVER (ORDER BY o.n ROWS UNBOUNDED PRECEDING) AS chain_hash
            FROM (SELECT 0::bigint AS n, NULL::bigint AS id, NULL::timestamptz AS at,
                         coalesce(last_link.chain_hash, app.audit_chain_genesis()) AS entry_hash
                  UNION ALL
                  SELECT e.n, e.id, e.at,
                         app.audit_entry_hash(e.id, e.at, e.request_id, e.actor_account_id, e.actor_login_id,
                                              e.actor_role, e.actor_organisation_id, e.action, e.outcome,
                                              e.target_kind, e.target_id, e.detail, e.api_token_id)
                    FROM unnest(entries) WITH ORDINALITY
                         AS e(id, at, request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id,
                              action, outcome, target_kind, target_id, detail, api_token_id, n)) o) s
   WHERE s.n > 0;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- The sealer: appends the entries not yet sealed to app.audit_chain, in
-- batches of `batch`, and answers how many it sealed: first the entries
-- after the last id sealed, in order of id; then those of a lower id that
-- committed after it was sealed (written by a longer request), from the
-- last app.audit_seal_window() or, with whole_log, from the whole log.
-- One sealer at a time (an advisory lock); writers of the log never wait.
-- Sealing twice seals nothing twice (audit_id is unique, and only entries
-- without a link are taken).
CREATE OR REPLACE FUNCTION app.seal_audit_log(whole_log boolean DEFAULT false, batch integer DEFAULT 50000)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  last_link app.audit_chain;
  sealed_up_to bigint;
  since timestamptz;
  n bigint;
  total bigint := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('nanbyo.audit_chain', 0));
  -- the log and all its partitions first, in the order TRUNCATE and DDL
  -- take them (a query alone takes the partitions in bound order, which
  -- could deadlock with a superuser's TRUNCATE attempt)
  LOCK TABLE app.audit_log IN ACCESS SHARE MODE;
  SELECT * INTO last_link FROM app.audit_chain c ORDER BY c.seq DESC LIMIT 1;
  sealed_up_to := coalesce((SELECT max(c.audit_id) FROM app.audit_chain c), 0);
  since := CASE WHEN whole_log OR last_link.seq IS NULL THEN '-infinity'
                ELSE least(last_link.sealed_at, last_link.audit_at) - app.audit_seal_window() END;
  -- entries of a lower id that came late (few)
  LOOP
    n := app.append_audit_links(ARRAY(
      SELECT l FROM app.audit_log l
       WHERE l.id <= sealed_up_to AND l.at >= since
         AND NOT EXISTS (SELECT FROM app.audit_chain c WHERE c.audit_id = l.id)
       ORDER BY l.id LIMIT batch));
    total := total + n;
    EXIT WHEN n < batch;
  END LOOP;
  -- the new entries, in order of id
  LOOP
    n := app.append_audit_links(ARRAY(
      SELECT l FROM app.audit_log l WHERE l.id > sealed_up_to ORDER BY l.id LIMIT batch));
    total := total + n;
    EXIT WHEN n < batch;
    sealed_up_to := (SELECT max(c.audit_id) FROM app.audit_chain c);
  END LOOP;
  RETURN total;
END
$$;

-- Verifies the chain link by link, in batches of seq (so a chain of ten
-- million links needs no more memory than a batch), and answers the first
-- broken link or that all are sound:
--   missing_link   a seq is missing (a link was removed)
--   missing_entry  the link's entry is not in the log (removed)
--   changed_entry  the entry's hash differs from the sealed one (changed)
--   broken_chain   chain_hash is not sha256(previous chain_hash || entry_hash)
-- with how many links were verified and how many entries have no link yet.
CREATE OR REPLACE FUNCTION app.verify_audit_chain(batch integer DEFAULT 100000)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  last_seq bigint := coalesce((SELECT max(seq) FROM app.audit_chain), 0);
  lo bigint := 1;
  hi bigint;
  lo_at timestamptz;
  hi_at timestamptz;
  prev app.audit_chain;
  b_seq bigint;
  b_audit_id bigint;
  b_audit_at timestamptz;
  problem text;
  verified bigint := 0;
  unsealed bigint;
BEGIN
  LOCK TABLE app.audit_log IN ACCESS SHARE MODE;  -- (as app.seal_audit_log does)
  WHILE lo <= last_seq AND problem IS NULL LOOP
    hi := least(lo + batch - 1, last_seq);
    prev := NULL;
    SELECT * INTO prev FROM app.audit_chain c WHERE c.seq = lo - 1;
    SELECT min(c.audit_at), max(c.audit_at) INTO lo_at, hi_at FROM app.audit_chain c WHERE c.seq BETWEEN lo AND hi;
    SELECT x.seq, x.audit_id, x.audit_at, x.problem INTO b_seq, b_audit_id, b_audit_at, problem
      FROM (SELECT g.seq, c.audit_id, c.audit_at,
                   CASE WHEN c.seq IS NULL THEN 'missing_link'
                        WHEN l.id IS NULL THEN 'missing_entry'
                        WHEN app.audit_entry_hash(l.id, l.at, l.request_id, l.actor_account_id, l.actor_login_id,
                                                  l.actor_role, l.actor_organisation_id, l.action, l.outcome,
                                                  l.target_kind, l.target_id, l.detail, l.api_token_id)
                             <> c.entry_hash THEN 'changed_entry'
                        WHEN c.chain_hash <> sha256(coalesce(lag(c.chain_hash) OVER w,
                                                             CASE WHEN g.seq = 1 THEN app.audit_chain_genesis()
                                                                  WHEN g.seq = lo THEN prev.chain_hash END)
                                                    || c.entry_hash) THEN 'broken_chain'
                   END AS problem
              FROM generate_series(lo, hi) g(seq)
              LEFT JOIN app.audit_chain c ON c.seq = g.seq
              LEFT JOIN app.audit_log l ON l.id = c.audit_id AND l.at = c.audit_at
                                       AND l.at >= lo_at AND l.at <= hi_at
            WINDOW w AS (ORDER BY g.seq)) x
     WHERE x.problem IS NOT NULL
     ORDER BY x.seq
     LIMIT 1;
    verified := CASE WHEN problem IS NULL THEN hi ELSE b_seq - 1 END;
    lo := hi + 1;
  END LOOP;
  SELECT count(*) INTO unsealed FROM app.audit_log l
   WHERE NOT EXISTS (SELECT FROM app.audit_chain c WHERE c.audit_id = l.id);
  RETURN jsonb_build_object(
    'status', CASE WHEN problem IS NULL THEN 'ok' ELSE 'broken' END,
    'links', last_seq,
    'verified', verified,
    'unsealed', unsealed,
    'last_chain_hash', (SELECT encode(c.chain_hash, 'hex') FROM app.audit_chain c WHERE c.seq = last_seq),
    'first_break', CASE WHEN problem IS NOT NULL THEN jsonb_build_object(
      'seq', b_seq, 'audit_id', b_audit_id, 'audit_at', b_audit_at, 'problem', problem,
      'message', CASE problem
        WHEN 'missing_link' THEN '連鎖の環が欠けています（削除された可能性があります）。'
        WHEN 'missing_entry' THEN '封印された操作ログが見つかりません（削除された可能性があります）。'
        WHEN 'changed_entry' THEN '操作ログの内容が封印時と異なります（改ざんされた可能性があります）。'
        ELSE 'ハッシュ連鎖が一致しません（連鎖が改ざんされた可能性があります）。' END) END);
END
$$;

DO $$ BEGIN
  PERFORM cron.schedule('nanbyo-seal-audit-log', '* * * * *', 'SELECT app.seal_audit_log()');
END $$;
