-- Who is asking. PostgREST puts the verified JWT claims into the setting
-- `request.jwt.claims`; these helpers read them. They are STABLE and are
-- called as `(SELECT app.current_account_id())` in policies, so PostgreSQL
-- evaluates them once per query, not once per row.
--
-- (plain SQL without a SET clause, and only built-in functions in them, so
-- that a query inlines them into its cached plan: a SQL function it cannot
-- inline is parsed and planned again in every transaction that calls it)
CREATE OR REPLACE FUNCTION app.jwt_claim(name text)
RETURNS text
LANGUAGE sql
STABLE
AS $$
  SELECT NULLIF(pg_catalog.current_setting('request.jwt.claims', true), '')::pg_catalog.jsonb
         OPERATOR(pg_catalog.->>) name
$$;

CREATE OR REPLACE FUNCTION app.current_account_id()
RETURNS bigint
LANGUAGE sql
STABLE
AS $$ SELECT app.jwt_claim('sub')::pg_catalog.int8 $$;

CREATE OR REPLACE FUNCTION app.current_organisation_id()
RETURNS bigint
LANGUAGE sql
STABLE
AS $$ SELECT app.jwt_claim('org')::pg_catalog.int8 $$;

CREATE OR REPLACE FUNCTION app.current_request_id()
RETURNS text
LANGUAGE sql
STABLE
AS $$ SELECT NULLIF(pg_catalog.current_setting('app.request_id', true), '') $$;

-- The hospitals whose patients a doctor may see: the own hospital and
-- approved secondary hospitals (A8). Definer: reads links the caller's RLS
-- would not show in full.
CREATE OR REPLACE FUNCTION app.current_hospital_ids()
RETURNS bigint[]
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog
-- (plpgsql, not sql, here and in the other definer helpers called on every
-- request: a definer's SQL body is parsed and planned again in every
-- transaction, plpgsql keeps its plans for the session)
AS $$
BEGIN
  RETURN (SELECT array_agg(DISTINCT h) FROM (
    SELECT app.current_organisation_id() AS h
    UNION ALL
    SELECT s.hospital_id FROM app.secondary_hospitals s
     WHERE s.account_id = app.current_account_id() AND s.status = 'approved'
  ) t WHERE h IS NOT NULL);
END
$$;

-- Append to the audit log as the current caller. Definer: API roles cannot
-- write the log directly.
CREATE OR REPLACE FUNCTION app.audit(
  action text, outcome text, target_kind text DEFAULT NULL, target_id text DEFAULT NULL,
  detail jsonb DEFAULT '{}', actor_account_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
  INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role,
                             actor_organisation_id, action, outcome, target_kind, target_id, detail)
  SELECT app.current_request_id(), a.id, a.login_id, coalesce(a.role, current_user::text),
         a.organisation_id, audit.action, audit.outcome, audit.target_kind, audit.target_id,
         coalesce(audit.detail, '{}')
    FROM (SELECT coalesce(audit.actor_account_id, app.current_account_id()) AS id) who
    LEFT JOIN app.accounts a USING (id);
END
$$;

-- The calling account, or an error. Write functions start with this: it
-- checks the account still exists (not deleted) even inside one JWT's
-- lifetime. It does not lock the row: a decision that reads the caller's
-- own rights and changes them (transfer_hospital_admin) locks it itself.
-- (A login lock does not count here: it stops new logins, not sessions.)
CREATE OR REPLACE FUNCTION app.caller()
RETURNS app.accounts
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
  me app.accounts;
BEGIN
  SELECT * INTO me FROM app.accounts
   WHERE id = app.current_account_id() AND deleted_at IS NULL;
  IF NOT FOUND THEN
    PERFORM app.raise('42501', 'E_NOT_LOGGED_IN', 'ログインしてください。');
  END IF;
  RETURN me;
END
$$;

-- PostgREST's db-pre-request: runs before every request.
--   * the request id: the client's X-Request-Id if well formed, else a new
--     one; returned in the X-Request-Id response header, and written with
--     the account and role into application_name, so that the server log
--     line of anything this request does names them (log_line_prefix %a);
--   * the session: refuses a JWT whose session was revoked, has expired
--     (E_SESSION_EXPIRED), or whose role or organisation claims differ from
--     the session's account (a token signed with a leaked secret) (A6, A7);
--   * the call: a call the role is not granted is refused with a clear
--     error (Japanese message, E_ROLE_NOT_ALLOWED / E_NOT_LOGGED_IN) instead
--     of PostgreSQL's "permission denied" (the grants stay the only truth:
--     this reads them); GET of a function that writes (every audited read,
--     and every call that takes a password or key) is refused, so secrets
--     never travel in a URL;
--   * the time limit: the bulk import may run longer than the role's
--     statement_timeout (app.statement_timeout_for).
-- Every refusal is recorded in the audit log although the request rolls
-- back (app.raise_http -> app.record_refusal).
CREATE OR REPLACE FUNCTION app.check_request()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
  -- every request runs this: read each setting once
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  sid text := claims ->> 'sid';
  sub text := claims ->> 'sub';
  typed_request_id text := nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-request-id';
  request_id text := CASE WHEN typed_request_id ~ '^[A-Za-z0-9._-]{1,36}$' THEN typed_request_id
                          ELSE gen_random_uuid()::text END;
  request_role text := coalesce(claims ->> 'role', 'web_anon');
  path text := current_setting('request.path', true);
  method text := current_setting('request.method', true);
  session record;
  target text;
  privilege text;
  allowed boolean;
  writes boolean;
  timeout text;
BEGIN
  PERFORM set_config('app.request_id', request_id, true);
  PERFORM app.add_response_header('X-Request-Id', request_id);
  PERFORM set_config('application_name',
    left(format('nanbyo %s a%s %s', request_id, coalesce(sub, '-'), request_role), 63), true);
  IF sid IS NULL THEN
    IF request_role <> 'web_anon' THEN
      -- every token this system issues names its session
      PERFORM app.raise_http(401, '28000', 'E_SESSION_INVALID', 'セッションが無効です。再度ログインしてください。');
    END IF;
  ELSE
    IF sid !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' OR sub !~ '^[0-9]{1,18}$' THEN
      PERFORM app.raise_http(401, '28000', 'E_SESSION_INVALID', 'セッションが無効です。再度ログインしてください。');
    END IF;
    SELECT s.expires_at, CASE s.stage WHEN 'full' THEN a.role ELSE 'enrolling' END AS role,
           a.organisation_id INTO session
      FROM app.sessions s JOIN app.accounts a ON a.id = s.account_id
     WHERE s.id = sid::uuid AND a.id = sub::bigint AND s.revoked_at IS NULL AND a.deleted_at IS NULL;
    IF NOT FOUND THEN
      PERFORM app.raise_http(401, '28000', 'E_SESSION_REVOKED', 'セッションは終了しました。再度ログインしてください。');
    END IF;
    IF session.role IS DISTINCT FROM request_role OR session.organisation_id::text IS DISTINCT FROM claims ->> 'org' THEN
      PERFORM app.raise_http(401, '28000', 'E_SESSION_INVALID', 'セッションが無効です。再度ログインしてください。');
    END IF;
    IF session.expires_at <= now() THEN
      PERFORM app.raise_http(401, '28000', 'E_SESSION_EXPIRED',
        format('ログインの有効時間（%s分）が過ぎました。もう一度ログインしてください。', app.session_minutes()));
    END IF;
  END IF;

  IF path ~ '^/rpc/[A-Za-z0-9_]+$' THEN
    target := substr(path, 6);
    SELECT bool_or(has_function_privilege(request_role, p.oid, 'EXECUTE')), bool_or(p.provolatile = 'v')
      INTO allowed, writes
      FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace AND p.proname = target;
    timeout := app.statement_timeout_for(target);
    IF timeout IS NOT NULL THEN
      PERFORM set_config('statement_timeout', timeout, true);
    END IF;
  ELSIF path ~ '^/[A-Za-z0-9_]+$' AND to_regclass(format('api.%I', substr(path, 2))) IS NOT NULL THEN
    target := substr(path, 2);
    privilege := CASE method WHEN 'GET' THEN 'SELECT' WHEN 'HEAD' THEN 'SELECT' WHEN 'POST' THEN 'INSERT'
                             WHEN 'PUT' THEN 'INSERT' WHEN 'PATCH' THEN 'UPDATE' WHEN 'DELETE' THEN 'DELETE' END;
    allowed := CASE WHEN privilege IS NULL THEN NULL
                    WHEN privilege = 'DELETE' THEN has_table_privilege(request_role, format('api.%I', target), privilege)
                    ELSE has_any_column_privilege(request_role, format('api.%I', target), privilege) END;
  END IF;
  IF allowed = false THEN  -- null: no such api object, PostgREST answers 404 itself
    IF request_role = 'web_anon' THEN
      PERFORM app.raise_http(401, '42501', 'E_NOT_LOGGED_IN', 'ログインしてください。');
    END IF;
    PERFORM app.raise_http(403, '42501', 'E_ROLE_NOT_ALLOWED',
      format('この操作（%s）を行う権限がありません。', target));
  END IF;
  IF writes AND method IN ('GET', 'HEAD') THEN
    PERFORM app.raise_http(405, '25006', 'E_METHOD_NOT_ALLOWED',
      format('この操作（%s）はPOSTで呼び出してください（記録が残る操作と、パスワード・キーを渡す操作はURLに値を含められません）。', target));
  END IF;
END
$$;

-- The statement_timeout of one API call, where it differs from the role's
-- (set with ALTER ROLE in policies/020_api_roles.sql): null for the role's.
CREATE OR REPLACE FUNCTION app.statement_timeout_for(function_name text)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog
AS $$ SELECT CASE function_name WHEN 'import_forms_xml' THEN '10min' END $$;

-- Adds a header to the response PostgREST sends (response.headers keeps a
-- list of one-header objects).
CREATE OR REPLACE FUNCTION app.add_response_header(name text, value text)
RETURNS void
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog
AS $$
  SELECT set_config('response.headers',
    (coalesce(nullif(current_setting('response.headers', true), '')::jsonb, '[]'::jsonb)
       || jsonb_build_array(jsonb_build_object(name, value)))::text, true)
$$;

-- End every live session of an account (key revoked, designation changed,
-- password reset, account deleted or locked).
CREATE OR REPLACE FUNCTION app.revoke_sessions(account bigint, why text)
RETURNS integer
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  WITH revoked AS (
    UPDATE app.sessions SET revoked_at = now(), revoked_why = why
     WHERE account_id = account AND revoked_at IS NULL
    RETURNING 1)
  SELECT count(*)::integer FROM revoked
$$;
