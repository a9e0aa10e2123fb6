-- API tokens for hospital systems (#17 item 5; the tables in
-- sql/accounts/migrations/0002_api_tokens.sql).
--
-- How a token authenticates. PostgREST understands only JWTs, so the token
-- IS a JWT signed with the server's JWT secret, with the claims
--   role  api_token   a database role of its own, granted only the api
--                     functions of the scopes (policies/accounts/api_tokens.sql)
--   tid   the token's id (app.api_tokens)
--   org   the hospital it is bound to
--   jti   a random secret (32 bytes, base64url), stored only as a keyed hash
--   exp   the token's expiry plus the JWT grace period (app.jwt_grace), so
--         that the database, not PostgREST, answers an expired token
-- The pre-request check (app.check_request) lets a request with such a JWT
-- through only when the token row is live (not revoked, not expired), its
-- hospital is the claimed one, the jti's hash is the stored one (a JWT
-- forged with a leaked signing secret still lacks it), and the called
-- function is in one of the token's scopes. A token has no `sub` and no
-- session: no policy or function that reads the caller's account sees one.
-- What a token does is recorded with the token's id (audit_log.api_token_id),
-- as role api_token of its hospital, on behalf of the admin who made it.

-- The longest a token may live.
CREATE OR REPLACE FUNCTION app.api_token_max_lifetime()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '1 year' $$;

-- The scope that opens an api function to tokens, or null. The one list:
-- the grants to the role api_token (policies/accounts/api_tokens.sql) and the
-- pre-request check read it.
CREATE OR REPLACE FUNCTION app.api_token_scope_of(function_name text)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE function_name WHEN 'import_forms_xml' THEN 'import' WHEN 'check_forms_xml' THEN 'import' END $$;

-- Keyed hash of a token's secret part (the jti claim).
CREATE OR REPLACE FUNCTION app.api_token_hash(secret text)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT encode(sha256(convert_to(s.value || E'\n' || coalesce(secret, ''), 'UTF8')), 'hex')
    FROM app.server_secrets s WHERE s.name = 'api_token_secret'
$$;

-- The token of the current request (its verified JWT names it), or null.
CREATE OR REPLACE FUNCTION app.current_api_token_id()
RETURNS bigint
LANGUAGE sql
STABLE
AS $$
  SELECT CASE WHEN app.jwt_claim('role') OPERATOR(pg_catalog.=) 'api_token'
                   AND app.jwt_claim('tid') OPERATOR(pg_catalog.~) '^[0-9]{1,18}$'
              THEN app.jwt_claim('tid')::pg_catalog.int8 END
$$;

-- Why the current request's token may not be used, as 'CODE:message', or
-- null when it may (called by app.check_request for role api_token).
CREATE OR REPLACE FUNCTION app.api_token_problem(claims jsonb, function_name text)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t app.api_tokens;
BEGIN
  IF NOT coalesce(claims ->> 'tid' ~ '^[0-9]{1,18}$' AND claims ->> 'org' ~ '^[0-9]{1,18}$', false) THEN
    RETURN 'E_API_TOKEN_INVALID:APIトークンが無効です。医療機関の責任者に新しいトークンの発行を依頼してください。';
  END IF;
  SELECT * INTO t FROM app.api_tokens x
   WHERE x.id = (claims ->> 'tid')::bigint AND x.hospital_id = (claims ->> 'org')::bigint
     AND x.secret_hash = app.api_token_hash(claims ->> 'jti');
  IF NOT FOUND THEN
    RETURN 'E_API_TOKEN_INVALID:APIトークンが無効です。医療機関の責任者に新しいトークンの発行を依頼してください。';
  END IF;
  IF t.revoked_at IS NOT NULL THEN
    RETURN format('E_API_TOKEN_REVOKED:このAPIトークン（%s）は%sに失効しました。医療機関の責任者に新しいトークンの発行を依頼してください。',
                  t.name, to_char(t.revoked_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI'));
  END IF;
  IF t.expires_at <= now() THEN
    RETURN format('E_API_TOKEN_EXPIRED:このAPIトークン（%s）の有効期限（%s）が過ぎました。医療機関の責任者に新しいトークンの発行を依頼してください。',
                  t.name, to_char(t.expires_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI'));
  END IF;
  IF function_name IS NULL OR NOT EXISTS (
       SELECT FROM app.api_token_grants g
        WHERE g.token_id = t.id AND g.scope = app.api_token_scope_of(function_name)) THEN
    RETURN format('E_API_TOKEN_SCOPE:このAPIトークン（%s）では、この操作（%s）はできません。',
                  t.name, coalesce(function_name, '-'));
  END IF;
  RETURN NULL;
END
$$;

-- The caller as the api functions of the scopes see it when a token calls:
-- the account of the admin who made the token (the rows the import writes
-- name an account), with role api_token, the token's hospital, and login id
-- 'api_token:<id>'. Null when the request is not a token's, or the token
-- may no longer be used. (app.caller answers this for a token.)
CREATE OR REPLACE FUNCTION app.api_token_caller()
RETURNS app.accounts
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts;
  t app.api_tokens;
BEGIN
  SELECT * INTO t FROM app.api_tokens x
   WHERE x.id = app.current_api_token_id() AND x.hospital_id = app.current_organisation_id()
     AND x.revoked_at IS NULL AND x.expires_at > now();
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT * INTO me FROM app.accounts a WHERE a.id = t.created_by;
  me.role := 'api_token';
  me.organisation_id := t.hospital_id;
  me.login_id := 'api_token:' || t.id;
  me.is_hospital_admin := false;
  me.program := NULL;
  me.doctor_kind := NULL;
  me.designated_doctor_number := NULL;
  RETURN me;
END
$$;

-- The hospital admin calling, or an error.
CREATE OR REPLACE FUNCTION app.api_token_admin()
RETURNS app.accounts
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
BEGIN
  IF NOT me.is_hospital_admin OR me.role NOT IN ('doctor', 'hospital_admin') THEN
    PERFORM app.raise('42501', 'E_NOT_HOSPITAL_ADMIN', 'APIトークンを扱えるのは医療機関の責任者だけです。');
  END IF;
  RETURN me;
END
$$;

-- One token as the admin sees it (never its secret).
CREATE OR REPLACE FUNCTION app.api_token_json(t app.api_tokens)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', t.id, 'name', t.name, 'hospital_id', t.hospital_id,
    'scopes', (SELECT coalesce(jsonb_agg(g.scope ORDER BY g.scope), '[]') FROM app.api_token_grants g
                WHERE g.token_id = t.id),
    'created_by', t.created_by, 'created_at', t.created_at, 'expires_at', t.expires_at,
    'revoked_at', t.revoked_at, 'revoked_by', t.revoked_by,
    -- (from the audit log: every use is there, under the token's id)
    'last_used_at', (SELECT max(l.at) FROM app.audit_log l WHERE l.api_token_id = t.id AND l.outcome = 'success'),
    'status', CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' WHEN t.expires_at <= now() THEN 'expired'
                   ELSE 'active' END)
$$;

-- POST /rpc/create_api_token {"name", "scopes", "expires_at"}: a token for
-- a system of the admin's hospital. The token is in the answer once; only
-- a keyed hash of its secret part is kept.
CREATE OR REPLACE FUNCTION api.create_api_token(name text, scopes text[], expires_at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.api_token_admin();
  clean_name text := btrim(name);
  unknown text;
  secret text := nanbyo.random_token(32);
  t app.api_tokens;
  token text;
BEGIN
  IF clean_name IS NULL OR clean_name = '' OR length(clean_name) > 100 OR app.has_hidden_characters(clean_name) THEN
    PERFORM app.raise('22023', 'E_API_TOKEN_NAME',
      'トークンの名前（どのシステムが使うか）を100文字以内で指定してください（制御文字・見えない文字は使えません）。');
  END IF;
  IF scopes IS NULL OR cardinality(scopes) = 0 THEN
    PERFORM app.raise('22023', 'E_API_TOKEN_SCOPE_REQUIRED',
      format('トークンの権限範囲（scopes）を指定してください（%s）。',
             (SELECT string_agg(s.code || '：' || s.label_ja, '、' ORDER BY s.code) FROM app.api_token_scopes s)));
  END IF;
  SELECT string_agg(DISTINCT u, '、') INTO unknown FROM unnest(scopes) u
   WHERE u IS NULL OR NOT EXISTS (SELECT FROM app.api_token_scopes s WHERE s.code = u);
  IF unknown IS NOT NULL OR array_position(scopes, NULL) IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_API_TOKEN_SCOPE_UNKNOWN',
      format('トークンの権限範囲「%s」はありません（%s）。', coalesce(unknown, ''),
             (SELECT string_agg(s.code || '：' || s.label_ja, '、' ORDER BY s.code) FROM app.api_token_scopes s)));
  END IF;
  IF expires_at IS NULL THEN
    PERFORM app.raise('22023', 'E_API_TOKEN_EXPIRY_REQUIRED', 'トークンの有効期限（expires_at）を指定してください（最長1年）。');
  END IF;
  IF expires_at <= now() THEN
    PERFORM app.raise('22023', 'E_API_TOKEN_EXPIRY_PAST', 'トークンの有効期限は現在より後の日時にしてください。');
  END IF;
  IF expires_at > now() + app.api_token_max_lifetime() THEN
    PERFORM app.raise('22023', 'E_API_TOKEN_EXPIRY_TOO_LONG', 'トークンの有効期限は発行から1年以内にしてください。');
  END IF;
  INSERT INTO app.api_tokens (hospital_id, name, secret_hash, created_by, expires_at)
  VALUES (me.organisation_id, clean_name, app.api_token_hash(secret), me.id, expires_at)
  RETURNING * INTO t;
  INSERT INTO app.api_token_grants (token_id, scope) SELECT DISTINCT t.id, u FROM unnest(scopes) u;
  token := nanbyo.sign_jwt(jsonb_build_object(
      'role', 'api_token',
      'tid', t.id::text,
      'org', t.hospital_id::text,
      'jti', secret,
      'iat', floor(extract(epoch FROM t.created_at))::bigint,
      'exp', floor(extract(epoch FROM t.expires_at + app.jwt_grace()))::bigint),
    (SELECT value FROM app.server_secrets WHERE server_secrets.name = 'jwt_secret'));
  PERFORM app.audit('api_token.create', 'success', 'api_token', t.id::text,
    jsonb_build_object('name', t.name, 'scopes', to_jsonb(scopes), 'expires_at', t.expires_at));
  RETURN app.api_token_json(t) || jsonb_build_object(
    'token', token,
    'message', 'APIトークンを控えてください。再表示はできません。システムは Authorization: Bearer <トークン> を付けて呼び出します。');
END
$$;
COMMENT ON FUNCTION api.create_api_token(text, text[], timestamptz) IS
  'APIトークン発行（医療機関の責任者）: 医療機関のシステム用。権限範囲・有効期限（最長1年）つき。トークンは一度だけ返す';

-- POST /rpc/list_api_tokens: the tokens of the admin's hospital (never a secret).
CREATE OR REPLACE FUNCTION api.list_api_tokens()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.api_token_admin();
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(app.api_token_json(t) ORDER BY t.id DESC), '[]')
            FROM app.api_tokens t WHERE t.hospital_id = me.organisation_id);
END
$$;
COMMENT ON FUNCTION api.list_api_tokens() IS 'APIトークンの一覧（医療機関の責任者）: トークン自体は含まない';

-- POST /rpc/revoke_api_token {"token_id"}: the token is refused from the
-- next request on.
CREATE OR REPLACE FUNCTION api.revoke_api_token(token_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.api_token_admin();
  t app.api_tokens;
BEGIN
  SELECT * INTO t FROM app.api_tokens x
   WHERE x.id = revoke_api_token.token_id AND x.hospital_id = me.organisation_id
   FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_API_TOKEN_NOT_FOUND', 'APIトークンが見つかりません。');
  END IF;
  IF t.revoked_at IS NULL THEN
    UPDATE app.api_tokens x SET revoked_at = now(), revoked_by = me.id WHERE x.id = t.id RETURNING * INTO t;
    PERFORM app.audit('api_token.revoke', 'success', 'api_token', t.id::text, jsonb_build_object('name', t.name));
  END IF;
  RETURN app.api_token_json(t);
END
$$;
COMMENT ON FUNCTION api.revoke_api_token(bigint) IS 'APIトークンの失効（医療機関の責任者）: 次の要求から拒否される';
