-- The audit log partitioned by month (D2, E3): ten years of entries stay
-- searchable, each month in a table of its own with its own indexes.
-- app.audit_log becomes a table partitioned by range of `at` (months of
-- Japan time, Asia/Tokyo); the rows of the unpartitioned table move over
-- with their ids, and the identity continues after the last id. Months
-- ahead are made by a pg_cron job (app.ensure_audit_log_partitions,
-- sql/foundation/audit_partitions.sql); a default partition takes any
-- entry whose month has none yet, so an insert never fails. The
-- append-only triggers, the policies and the grants are made again by
-- the code files (sql/foundation/audit.sql, policies/foundation/audit_log.sql).

-- api functions returning the old row type (the search) go; the code files
-- make them again on the new table right after this migration
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.prorettype = 'app.audit_log'::regtype
               OR 'app.audit_log'::regtype = ANY (p.proargtypes::oid[]) LOOP
    EXECUTE format('DROP FUNCTION %s', f);
  END LOOP;
END
$$;

ALTER TABLE app.audit_log RENAME TO audit_log_unpartitioned;
ALTER INDEX app.audit_log_pkey RENAME TO audit_log_unpartitioned_pkey;
ALTER SEQUENCE app.audit_log_id_seq RENAME TO audit_log_unpartitioned_id_seq;
DROP INDEX app.audit_log_at, app.audit_log_actor, app.audit_log_target, app.audit_log_organisation,
           app.audit_log_access_key_failures, app.audit_log_api_token;

CREATE TABLE app.audit_log (
  id               bigint GENERATED ALWAYS AS IDENTITY,
  at               timestamptz NOT NULL DEFAULT clock_timestamp(),
  request_id       text,
  actor_account_id bigint,
  actor_login_id   text,
  actor_role       text,
  actor_organisation_id bigint,
  action           text NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('success', 'failure', 'refused')),
  target_kind      text,
  target_id        text,
  detail           jsonb NOT NULL DEFAULT '{}',
  api_token_id     bigint
    DEFAULT (CASE WHEN nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tid' ~ '^[0-9]{1,18}$'
                  THEN (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tid')::bigint END),
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
COMMENT ON TABLE app.audit_log IS '操作ログ（追記のみ、月ごとのパーティション）';
COMMENT ON COLUMN app.audit_log.api_token_id IS 'APIトークンによる要求のとき、そのトークン';

-- Indexes of the partitioned table: every partition gets each of them.
-- (at, id): the search's order and its keyset paging; the others one per
-- search filter, each ending in `at` so that a month or a range is a slice.
CREATE INDEX audit_log_at ON app.audit_log (at, id);
CREATE INDEX audit_log_actor ON app.audit_log (actor_account_id, at);
CREATE INDEX audit_log_actor_login ON app.audit_log (actor_login_id, at);
CREATE INDEX audit_log_target ON app.audit_log (target_kind, target_id, at);
CREATE INDEX audit_log_organisation ON app.audit_log (actor_organisation_id, at);
CREATE INDEX audit_log_action ON app.audit_log (action, at);
CREATE INDEX audit_log_request ON app.audit_log (request_id) WHERE request_id IS NOT NULL;
-- The access-key rate limit counts an account's recent wrong keys: only
-- those rows are indexed (app.recent_access_key_failures).
CREATE INDEX audit_log_access_key_failures ON app.audit_log (actor_account_id, at)
  WHERE action = 'access_key.lookup' AND outcome = 'failure';
CREATE INDEX audit_log_api_token ON app.audit_log (api_token_id, at) WHERE api_token_id IS NOT NULL;

-- the default partition: an entry of a month without a partition of its own
CREATE TABLE app.audit_log_default PARTITION OF app.audit_log DEFAULT;

-- one partition per month from the oldest entry to three months ahead
-- (the same names and bounds as app.ensure_audit_log_partitions makes)
DO $$
DECLARE
  first_month timestamp := date_trunc('month', coalesce((SELECT min(at) FROM app.audit_log_unpartitioned),
                                                        now()) AT TIME ZONE 'Asia/Tokyo');
  last_month timestamp := date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo') + interval '3 months';
  m timestamp;
BEGIN
  m := first_month;
  WHILE m <= last_month LOOP
    EXECUTE format('CREATE TABLE app.%I PARTITION OF app.audit_log FOR VALUES FROM (%L) TO (%L)',
                   'audit_log_' || to_char(m, 'YYYY_MM'),
                   (m AT TIME ZONE 'Asia/Tokyo')::text, ((m + interval '1 month') AT TIME ZONE 'Asia/Tokyo')::text);
    m := m + interval '1 month';
  END LOOP;
END
$$;

-- the rows move over with their ids; the identity continues after them
INSERT INTO app.audit_log OVERRIDING SYSTEM VALUE
SELECT id, at, request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id, action, outcome,
       target_kind, target_id, detail, api_token_id
  FROM app.audit_log_unpartitioned ORDER BY id;
SELECT setval(pg_get_serial_sequence('app.audit_log', 'id'),
              coalesce((SELECT max(id) FROM app.audit_log_unpartitioned), 0) + 1, false);
DROP TABLE app.audit_log_unpartitioned;
