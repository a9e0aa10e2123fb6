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

-- The calling account, locked for the rest of the transaction, or an error.
-- Write functions start with this: it checks the account is still usable
-- (not deleted, not locked) even inside one JWT's lifetime.
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
   WHERE id = app.current_account_id() AND deleted_at IS NULL AND locked_at IS NULL;
  IF NOT FOUND THEN
    PERFORM app.raise('42501', 'E_NOT_LOGGED_IN', 'ログインしてください。');
  END IF;
  RETURN me;
END
$$;

-- PostgREST's db-pre-request: runs before every request. Sets the request id
-- (from the X-Request-Id header, else a new one); refuses a JWT whose session
-- was revoked or whose account can no longer log in (A6, A7, A11); and turns
-- a call the role is not granted into a clear error (Japanese message, code
-- E_ROLE_NOT_ALLOWED / E_NOT_LOGGED_IN) instead of PostgreSQL's "permission
-- denied". The grants stay the only truth: this reads them.
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
  request_id text := left(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-request-id', 100);
  request_role text := coalesce(claims ->> 'role', 'web_anon');
  path text := current_setting('request.path', true);
  method text := current_setting('request.method', true);
  target text;
  privilege text;
  allowed boolean;
BEGIN
  PERFORM set_config('app.request_id', coalesce(request_id, gen_random_uuid()::text), true);
  IF sid IS NULL THEN
    IF request_role <> 'web_anon' THEN
      -- every token this system issues names its session
      PERFORM app.raise_http(401, '28000', 'E_SESSION_INVALID', 'セッションが無効です。再度ログインしてください。');
    END IF;
  ELSE
    IF sid !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      sid := '00000000-0000-0000-0000-000000000000';  -- never a session
    END IF;
    IF NOT EXISTS (
         SELECT FROM app.sessions s JOIN app.accounts a ON a.id = s.account_id
          WHERE s.id = sid::uuid AND s.revoked_at IS NULL AND s.expires_at > now()
            AND a.id = (claims ->> 'sub')::bigint
            AND a.deleted_at IS NULL AND a.locked_at IS NULL) THEN
      PERFORM app.raise_http(401, '28000', 'E_SESSION_REVOKED', 'セッションは終了しました。再度ログインしてください。');
    END IF;
  END IF;

  IF path ~ '^/rpc/[A-Za-z0-9_]+$' THEN
    target := substr(path, 6);
    SELECT bool_or(has_function_privilege(request_role, p.oid, 'EXECUTE')) INTO allowed
      FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace AND p.proname = target;
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
END
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
