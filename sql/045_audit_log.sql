-- The audit log (E3, D2): every account action, login success and failure,
-- and every read of personal data. Append-only: no role is granted UPDATE,
-- DELETE or TRUNCATE, and triggers refuse them even for the table owner.
CREATE TABLE IF NOT EXISTS app.audit_log (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
  detail           jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE app.audit_log IS '操作ログ（追記のみ）';
CREATE INDEX IF NOT EXISTS audit_log_at ON app.audit_log USING brin (at);
CREATE INDEX IF NOT EXISTS audit_log_actor ON app.audit_log (actor_account_id, at);
CREATE INDEX IF NOT EXISTS audit_log_target ON app.audit_log (target_kind, target_id);
CREATE INDEX IF NOT EXISTS audit_log_organisation ON app.audit_log (actor_organisation_id, at);

CREATE OR REPLACE FUNCTION app.audit_log_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = '操作ログは変更・削除できません。',
    DETAIL  = 'E_AUDIT_LOG_APPEND_ONLY';
END
$$;
DROP TRIGGER IF EXISTS audit_log_no_update ON app.audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON app.audit_log
  FOR EACH ROW EXECUTE FUNCTION app.audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON app.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON app.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION app.audit_log_append_only();
