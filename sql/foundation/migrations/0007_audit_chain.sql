-- The audit log's hash chain (E3, D2): tamper evidence without a lock on
-- every request. Entries are written to app.audit_log as before; a sealer
-- (app.seal_audit_log, sql/foundation/audit_chain.sql, run by pg_cron every
-- minute and by api.verify_audit_log) appends the entries not yet sealed
-- here, one link each, in a deterministic order:
--   entry_hash = sha256(canonical text of the entry)   (app.audit_entry_canonical)
--   chain_hash = sha256(previous chain_hash || entry_hash), 32 zero bytes before the first
-- The format, and how an auditor checks it without this code: docs/audit-log.md.
-- Append-only like the log: triggers refuse UPDATE, DELETE and TRUNCATE
-- even for the owner (sql/foundation/audit_chain.sql).
CREATE TABLE app.audit_chain (
  seq        bigint PRIMARY KEY CHECK (seq > 0),
  audit_id   bigint NOT NULL UNIQUE,
  audit_at   timestamptz NOT NULL,
  entry_hash bytea NOT NULL CHECK (length(entry_hash) = 32),
  chain_hash bytea NOT NULL CHECK (length(chain_hash) = 32),
  sealed_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.audit_chain IS '操作ログのハッシュ連鎖（追記のみ）';
COMMENT ON COLUMN app.audit_chain.entry_hash IS '操作ログ1件の正規化した内容の SHA-256';
COMMENT ON COLUMN app.audit_chain.chain_hash IS 'SHA-256(直前の chain_hash || entry_hash)';
