-- The audit log's writers and guards (E3, D2), beside the table
-- (sql/foundation/migrations/0001_baseline.sql): append-only triggers,
-- app.audit (an action of the caller), app.audit_read (reads of personal
-- data), and refusals written over a connection of their own so they stay
-- although the refused request rolls back (app.record_refusal).

CREATE OR REPLACE FUNCTION app.audit_log_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION app.audit_value_hash(value text)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

-- Refused requests in the audit log (E3). A refusal (not logged in, role
-- not allowed, session revoked, a form or account of another organisation
-- not found) rolls the request back, and with it anything it wrote; so the
-- refusal is written on a connection of its own (dblink to this database, as
-- the role nanbyo_audit_writer, which may only append to the audit log) and
-- commits at once. The connection is opened once per database session and
-- kept. Should it fail, the refusal still happens and the server log says
-- why (with the request id, account and role: app.check_request).

-- The connection string of the audit writer: this database over its own
-- Unix socket (pg_hba must let nanbyo_audit_writer in there, see README).
CREATE OR REPLACE FUNCTION app.audit_writer_connection()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('dbname=%s user=nanbyo_audit_writer host=%s port=%s application_name=nanbyo_audit_writer',
                quote_ident(current_database()),
                split_part(current_setting('unix_socket_directories'), ',', 1),
                current_setting('port'))
$$;

-- Appends an audit entry as the current caller on the audit writer's own
-- connection: it stays although the request rolls back. For refusals, and
-- for wrong access keys whose answer is an error (they count toward the
-- rate limit: sql/forms/access_keys.sql).
CREATE OR REPLACE FUNCTION app.audit_autonomous(action text, outcome text, target_kind text, target_id text,
                                                detail jsonb)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  account bigint := CASE WHEN claims ->> 'sub' ~ '^[0-9]{1,18}$' THEN (claims ->> 'sub')::bigint END;
  a app.accounts;
  statement text;
BEGIN
  SELECT * INTO a FROM app.accounts x WHERE x.id = account;
  -- (the API token a request claims is named, as in every entry: audit_log.api_token_id)
  statement := format(
    'INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id, '
    'action, outcome, target_kind, target_id, detail, api_token_id) '
    'VALUES (%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L)',
    app.current_request_id(), a.id,
    coalesce(a.login_id, CASE WHEN claims ->> 'tid' ~ '^[0-9]{1,18}$' THEN 'api_token:' || (claims ->> 'tid') END),
    coalesce(claims ->> 'role', current_user::text), a.organisation_id,
    action, outcome, target_kind, target_id, coalesce(detail, '{}'),
    CASE WHEN claims ->> 'tid' ~ '^[0-9]{1,18}$' THEN claims ->> 'tid' END);
  BEGIN
    IF NOT coalesce('nanbyo_audit' = ANY (dblink.dblink_get_connections()), false) THEN
      PERFORM dblink.dblink_connect('nanbyo_audit', app.audit_writer_connection());
    END IF;
    PERFORM dblink.dblink_exec('nanbyo_audit', statement);
  EXCEPTION WHEN OTHERS THEN
    -- a broken kept connection: try once more on a new one
    BEGIN
      IF coalesce('nanbyo_audit' = ANY (dblink.dblink_get_connections()), false) THEN
        PERFORM dblink.dblink_disconnect('nanbyo_audit');
      END IF;
      PERFORM dblink.dblink_connect('nanbyo_audit', app.audit_writer_connection());
      PERFORM dblink.dblink_exec('nanbyo_audit', statement);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'nanbyo: audit entry not recorded (%): %', action, SQLERRM
        USING DETAIL = 'E_AUDIT_NOT_RECORDED';
    END;
  END;
END
$$;

-- Records that the current request was refused (SQLSTATE and stable code),
-- with who asked (the JWT's claims), what (method and path) and the request id.
CREATE OR REPLACE FUNCTION app.record_refusal(sqlstate text, code text)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT app.audit_autonomous('request', 'refused', 'api', left(current_setting('request.path', true), 200),
    jsonb_build_object('method', current_setting('request.method', true), 'sqlstate', sqlstate, 'code', code,
                       'claimed_organisation_id',
                       nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'org'))
$$;


-- Append to the audit log as the current caller. Definer: API roles cannot
-- write the log directly. A request made with an API token is recorded as
-- role api_token of the token's hospital, on behalf of the admin who made
-- the token, with the token's id (app.api_token_caller).
CREATE OR REPLACE FUNCTION app.audit(
  action text, outcome text, target_kind text DEFAULT NULL, target_id text DEFAULT NULL,
  detail jsonb DEFAULT '{}', actor_account_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role,
                             actor_organisation_id, action, outcome, target_kind, target_id, detail)
  SELECT app.current_request_id(), a.id, a.login_id, coalesce(a.role, current_user::text),
         a.organisation_id, audit.action, audit.outcome, audit.target_kind, audit.target_id,
         coalesce(audit.detail, '{}')
    FROM (SELECT coalesce(audit.actor_account_id, app.current_account_id()) AS id) who
    LEFT JOIN app.accounts a USING (id)
   WHERE app.current_api_token_id() IS NULL OR audit.actor_account_id IS NOT NULL
  UNION ALL
  SELECT app.current_request_id(), t.id, t.login_id, t.role, t.organisation_id,
         audit.action, audit.outcome, audit.target_kind, audit.target_id, coalesce(audit.detail, '{}')
    FROM app.api_token_caller() t
   WHERE app.current_api_token_id() IS NOT NULL AND audit.actor_account_id IS NULL;
END
$$;

-- Reading organisations, accounts and the audit log. These run as the
-- caller, so row-level security (policies/) decides what each role sees.

-- Record that the caller read these rows (E3). The only audit entry an API
-- role can write itself: actions are always `read.<what>`.
CREATE OR REPLACE FUNCTION app.audit_read(what text, target_kind text, target_ids text[], detail jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT app.audit('read.' || what, 'success', target_kind,
                   NULL, coalesce(detail, '{}') || jsonb_build_object('ids', to_jsonb(target_ids)))
$$;
