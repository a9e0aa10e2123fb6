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

-- What the audit log keeps of a personal value someone searched for (a
-- patient's reading, a name): not the value, but a keyed hash of it and its
-- length, so that the operator can still answer "who searched for this
-- patient" (app.audit_value_hash of the value in question) and a reader of
-- the log learns nothing of it.
INSERT INTO app.server_secrets (name, value)
VALUES ('audit_value_secret', nanbyo.random_token(32))
ON CONFLICT (name) DO NOTHING;

CREATE OR REPLACE FUNCTION app.audit_value_hash(value text)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT CASE WHEN audit_value_hash.value IS NULL THEN NULL ELSE jsonb_build_object(
    'hash', left(encode(sha256(convert_to(s.value || E'\n' || audit_value_hash.value, 'UTF8')), 'hex'), 32),
    'length', length(audit_value_hash.value)) END
    FROM app.server_secrets s WHERE s.name = 'audit_value_secret'
$$;

-- Detail keys of audit entries that name a patient's record (a hospital's
-- record id, a scan): shown to the operator only (api.search_audit_log).
CREATE OR REPLACE FUNCTION app.audit_personal_keys()
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY['external_id', 'scan', 'patient_id'] $$;
