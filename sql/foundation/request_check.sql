-- The checks before every request (PostgREST's db-pre-request) and the
-- response headers api functions may set.

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
--   * an API token of a hospital system (role api_token, no session): the
--     token must be live, carry its own secret, and the call be in its
--     scopes (app.api_token_problem: 401 E_API_TOKEN_INVALID / _REVOKED /
--     _EXPIRED, 403 E_API_TOKEN_SCOPE);
--   * the time limit: the bulk import may run longer than the role's
--     statement_timeout (app.statement_timeout_for).
-- Every refusal is recorded in the audit log although the request rolls
-- back (app.raise_http -> app.record_refusal).
CREATE OR REPLACE FUNCTION app.check_request()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
  token_problem text;
BEGIN
  PERFORM set_config('app.request_id', request_id, true);
  PERFORM app.add_response_header('X-Request-Id', request_id);
  PERFORM set_config('application_name',
    left(format('nanbyo %s a%s %s', request_id,
                coalesce(sub, 't' || (claims ->> 'tid'), '-'), request_role), 63), true);
  IF request_role = 'api_token' THEN
    -- a hospital system's API token has no session: the token row and its
    -- scopes decide, once the call is known (below; sql/accounts/api_tokens.sql)
    NULL;
  ELSIF sid IS NULL THEN
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
  IF request_role = 'api_token' THEN
    -- live (not revoked, not expired), its own secret, and the call in its scopes
    token_problem := app.api_token_problem(claims, CASE WHEN path ~ '^/rpc/' THEN target END);
    IF token_problem IS NOT NULL THEN
      PERFORM app.raise_http(CASE WHEN token_problem LIKE 'E_API_TOKEN_SCOPE:%' THEN 403 ELSE 401 END,
        CASE WHEN token_problem LIKE 'E_API_TOKEN_SCOPE:%' THEN '42501' ELSE '28000' END,
        split_part(token_problem, ':', 1), substr(token_problem, strpos(token_problem, ':') + 1));
    END IF;
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
-- (set with ALTER ROLE in policies/foundation/roles.sql): null for the role's.
CREATE OR REPLACE FUNCTION app.statement_timeout_for(function_name text)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN function_name IN ('import_forms_xml', 'check_forms_xml') THEN '10min'
                  -- a year of a large hospital's forms (sql/bulk_import/export.sql)
                  WHEN function_name IN ('export_forms_xml', 'export_forms') THEN '5min'
                  -- the whole hash chain of the audit log (docs/audit-log.md; BENCHMARKS.md)
                  WHEN function_name = 'verify_audit_log' THEN '10min' END $$;

-- Adds a header to the response PostgREST sends (response.headers keeps a
-- list of one-header objects).
CREATE OR REPLACE FUNCTION app.add_response_header(name text, value text)
RETURNS void
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT set_config('response.headers',
    (coalesce(nullif(current_setting('response.headers', true), '')::jsonb, '[]'::jsonb)
       || jsonb_build_array(jsonb_build_object(name, value)))::text, true)
$$;
