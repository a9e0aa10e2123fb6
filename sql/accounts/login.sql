-- Login, enrolment (A7), logout and password change. A login is refused
-- with a PostgREST-shaped JSON body and HTTP 401/403 set through
-- `response.status` rather than with an exception, so that the failure
-- counter and the audit entry are committed with the refusal.

-- How long a login lasts. The session row decides (app.check_request answers
-- E_SESSION_EXPIRED after it); the JWT's own `exp` lies a grace period later,
-- so that PostgREST's English "JWT expired" is not what a user whose session
-- just ended sees.
CREATE OR REPLACE FUNCTION app.session_minutes()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 30 $$;
CREATE OR REPLACE FUNCTION app.jwt_grace()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '12 hours' $$;

-- sha256 of a presented key file, as stored in accounts.key_hash.
CREATE OR REPLACE FUNCTION app.key_hash(key text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT encode(sha256(convert_to(btrim(key, E' \t\r\n'), 'UTF8')), 'hex') $$;

-- The refusal body of a login: the same fields as PostgREST's own errors.
CREATE OR REPLACE FUNCTION app.login_refused(status integer, code text, message text, hint text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object('code', CASE status WHEN 401 THEN '28P01' ELSE '28000' END,
                            'message', message, 'details', code, 'hint', hint)
    FROM (SELECT set_config('response.status', status::text, true)) set_status
$$;

-- The signed JWT of session `session_id` of account `a` (at `stage`),
-- valid until `expires` plus the grace period: login's and renew_session's.
CREATE OR REPLACE FUNCTION app.session_token(a app.accounts, session_id uuid, stage text,
                                             issued timestamptz, expires timestamptz)
RETURNS text
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT nanbyo.sign_jwt(jsonb_build_object(
      'role', CASE stage WHEN 'full' THEN a.role ELSE 'enrolling' END,
      'sub', a.id::text,
      'org', a.organisation_id::text,
      'sid', session_id::text,
      'login_id', a.login_id,
      'iat', floor(extract(epoch FROM issued))::bigint,
      'exp', floor(extract(epoch FROM expires + app.jwt_grace()))::bigint),
    (SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'))
$$;

-- A new session and its signed JWT for `a` (an enrolment session after a
-- key revocation names the enrolment code it was opened with).
CREATE OR REPLACE FUNCTION app.open_session(a app.accounts, enrolment_code_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  stage text := CASE WHEN a.key_hash IS NULL OR a.password_must_change THEN 'enrolment' ELSE 'full' END;
  issued timestamptz := now();
  expires timestamptz := now() + make_interval(mins => app.session_minutes());
  session_id uuid;
BEGIN
  INSERT INTO app.sessions (account_id, stage, issued_at, expires_at, enrolment_code_id)
  VALUES (a.id, stage, issued, expires, open_session.enrolment_code_id)
  RETURNING id INTO session_id;
  RETURN jsonb_build_object(
    'token', app.session_token(a, session_id, stage, issued, expires),
    'expires_at', expires,
    'stage', stage,
    'must_change_password', a.password_must_change,
    'must_register_key', a.key_hash IS NULL,
    'must_register_email', a.email IS NULL,
    'account', jsonb_build_object('id', a.id, 'login_id', a.login_id, 'role', a.role,
                                  'name', a.name, 'organisation_id', a.organisation_id,
                                  'is_hospital_admin', a.is_hospital_admin));
END
$$;
CREATE OR REPLACE FUNCTION api.login(login_id text, password text, key text DEFAULT NULL,
                                     enrolment_code text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  throttle_key text := app.login_key(login.login_id);
  a app.accounts;
  t app.login_throttle;
  code_id bigint;
  failed text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('nanbyo.login:' || throttle_key, 0));
  SELECT * INTO t FROM app.login_throttle x WHERE x.login_key = throttle_key;
  SELECT * INTO a FROM app.accounts
   WHERE accounts.login_id = login.login_id AND deleted_at IS NULL
   FOR UPDATE;
  IF t.locked_until > now() THEN
    -- (no password is checked while locked, for any id)
    PERFORM app.audit('login', 'refused', CASE WHEN a.id IS NOT NULL THEN 'account' END, a.id::text,
                      jsonb_build_object('reason', 'locked', 'locked_until', t.locked_until), a.id);
    RETURN app.login_locked(t.locked_until);
  END IF;

  IF a.id IS NULL THEN
    -- the same work as for a real account: a wrong id takes as long as a wrong password
    PERFORM nanbyo.verify_password(
      (SELECT value FROM app.server_secrets WHERE name = 'dummy_password_hash'), coalesce(password, ''));
    failed := 'unknown_login_id';
  ELSIF NOT nanbyo.verify_password(a.password_hash, coalesce(password, '')) THEN
    failed := 'wrong_password';
  ELSIF a.key_hash IS NOT NULL AND key IS NULL THEN
    failed := 'key_missing';
  ELSIF a.key_hash IS NOT NULL AND app.key_hash(key) <> a.key_hash THEN
    failed := 'wrong_key';
  ELSIF a.key_hash IS NULL AND a.enrolment_code_required THEN
    code_id := app.live_enrolment_code(a.id, enrolment_code);
    IF code_id IS NULL THEN
      failed := CASE WHEN enrolment_code IS NULL THEN 'enrolment_code_missing' ELSE 'wrong_enrolment_code' END;
    END IF;
  END IF;

  IF failed IS NOT NULL THEN
    t := app.count_login_failure(throttle_key, a.id);
    -- (an unknown id is not recorded: it may be a password typed into the id field)
    PERFORM app.audit('login', 'failure', CASE WHEN a.id IS NOT NULL THEN 'account' END, a.id::text,
      jsonb_build_object('reason', failed, 'failures', t.failures, 'locked', t.locked_until IS NOT NULL), a.id);
    IF t.locked_until IS NOT NULL THEN
      RETURN app.login_locked(t.locked_until);
    END IF;
    RETURN app.login_refused(401, 'E_LOGIN_FAILED',
      'ログインID・パスワード・暗号化キーファイルのいずれかが正しくありません。キーの再発行を受けた方は、発行元から受け取った登録コードも入力してください。');
  END IF;

  IF a.role = 'doctor' AND a.designation_expires_on < current_date THEN
    PERFORM app.audit('login', 'refused', 'account', a.id::text,
      jsonb_build_object('reason', 'designation_expired', 'expired_on', a.designation_expires_on), a.id);
    RETURN app.login_refused(403, 'E_DESIGNATION_EXPIRED',
      format('指定医の有効期限（%s）が過ぎているためログインできません。発行自治体に更新を依頼してください。',
             to_char(a.designation_expires_on, 'YYYY-MM-DD')));
  END IF;

  DELETE FROM app.login_throttle x WHERE x.login_key = throttle_key;
  UPDATE app.accounts SET last_login_at = now() WHERE id = a.id RETURNING * INTO a;
  PERFORM app.audit('login', 'success', 'account', a.id::text,
                    CASE WHEN code_id IS NOT NULL THEN '{"with": "enrolment_code"}'::jsonb ELSE '{}' END, a.id);
  -- the web client gets the token as a cookie, not in the answer (browser_session.sql)
  RETURN app.session_answer(app.open_session(a, code_id));
END
$$;
COMMENT ON FUNCTION api.login(text, text, text, text) IS
  'ログイン: ログインID・パスワード・暗号化キーファイル（キー再発行後は登録コード）でJWTを発行する（X-Requested-With: nanbyo-web のときはCookieで渡し、応答には含めない）';

-- Sets `me`'s password after the policy check; the new one must differ.
CREATE OR REPLACE FUNCTION app.set_password(me app.accounts, new_password text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF new_password IS NULL THEN
    PERFORM app.raise('22023', 'E_PASSWORD_REQUIRED', '新しいパスワードを指定してください。');
  END IF;
  PERFORM nanbyo.check_password_policy(new_password, me.login_id);
  IF nanbyo.verify_password(me.password_hash, new_password) THEN
    PERFORM app.raise('22023', 'E_PASSWORD_REUSED', '新しいパスワードは現在のパスワードと違うものにしてください。');
  END IF;
  UPDATE app.accounts SET password_hash = nanbyo.hash_password(new_password), password_must_change = false
   WHERE id = me.id;
END
$$;

-- The e-mail address if it has the form of one, else an error.
CREATE OR REPLACE FUNCTION app.checked_email(email text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF email IS NOT NULL AND (email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' OR length(email) > 254) THEN
    PERFORM app.raise('22023', 'E_EMAIL_INVALID', 'メールアドレスの形式が正しくありません。');
  END IF;
  RETURN email;
END
$$;

-- POST /rpc/complete_enrolment: the first login (A7), or the login after a
-- password reset or key reissue (that one opened with the enrolment code). Sets the new password and e-mail as needed
-- and, when the account has no key, issues the encryption key file. The
-- enrolment session ends: the user logs in again with the new key.
CREATE OR REPLACE FUNCTION api.complete_enrolment(new_password text DEFAULT NULL, email text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  me app.accounts := app.caller();
  key_file text;
BEGIN
  IF me.password_must_change THEN
    PERFORM app.set_password(me, new_password);
  END IF;
  IF complete_enrolment.email IS NOT NULL THEN
    UPDATE app.accounts SET email = app.checked_email(complete_enrolment.email) WHERE id = me.id;
  ELSIF me.email IS NULL THEN
    PERFORM app.raise('22023', 'E_EMAIL_REQUIRED', 'メールアドレスを登録してください。');
  END IF;
  IF me.key_hash IS NULL THEN
    IF me.enrolment_code_required THEN
      -- after a key revocation: the session must have been opened with the code
      PERFORM app.spend_enrolment_code(me);
    END IF;
    key_file := 'NANBYO-KEY-1:' || nanbyo.random_token(32);
    UPDATE app.accounts SET key_hash = app.key_hash(key_file), key_issued_at = now() WHERE id = me.id;
    PERFORM app.notify_account(me.id, 'key_issued', me.id);
  END IF;
  PERFORM app.revoke_sessions(me.id, 'enrolled');
  PERFORM app.clear_session_cookie();
  PERFORM app.audit('account.enrol', 'success', 'account', me.id::text,
    jsonb_build_object('password_changed', me.password_must_change, 'key_issued', key_file IS NOT NULL,
                       'email_changed', complete_enrolment.email IS NOT NULL));
  RETURN jsonb_build_object(
    'key_file', key_file,
    'key_file_name', CASE WHEN key_file IS NOT NULL THEN me.login_id || '.nanbyokey' END,
    'message', CASE WHEN key_file IS NOT NULL
      THEN '暗号化キーファイルを保存してください。再表示はできません。次回からログイン時に必要です。'
      ELSE '登録しました。もう一度ログインしてください。' END);
END
$$;
COMMENT ON FUNCTION api.complete_enrolment(text, text) IS
  '初回ログイン時の登録: パスワード変更・メールアドレス登録・暗号化キーファイル発行';

-- POST /rpc/logout: ends the caller's session.
CREATE OR REPLACE FUNCTION api.logout()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  sid text := app.jwt_claim('sid');
BEGIN
  UPDATE app.sessions SET revoked_at = now(), revoked_why = 'logout'
   WHERE id = sid::uuid AND account_id = app.current_account_id() AND revoked_at IS NULL;
  PERFORM app.audit('logout', 'success', 'session', sid);
  PERFORM app.clear_session_cookie();
  RETURN jsonb_build_object('logged_out', true);
END
$$;
COMMENT ON FUNCTION api.logout() IS 'ログアウト: このセッションを終了する';

-- POST /rpc/change_password: the caller changes their own password. Other
-- sessions of the account end; this one goes on.
CREATE OR REPLACE FUNCTION api.change_password(current_password text, new_password text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
BEGIN
  IF NOT nanbyo.verify_password(me.password_hash, coalesce(current_password, '')) THEN
    PERFORM app.raise('28P01', 'E_PASSWORD_WRONG', '現在のパスワードが違います。');
  END IF;
  PERFORM app.set_password(me, new_password);
  UPDATE app.sessions SET revoked_at = now(), revoked_why = 'password_changed'
   WHERE account_id = me.id AND revoked_at IS NULL AND id::text <> app.jwt_claim('sid');
  PERFORM app.audit('account.change_password', 'success', 'account', me.id::text);
  RETURN jsonb_build_object('changed', true);
END
$$;
COMMENT ON FUNCTION api.change_password(text, text) IS 'パスワード変更（本人）';

-- GET /rpc/whoami: the caller's account, organisation and hospitals.
CREATE OR REPLACE FUNCTION api.whoami()
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', a.id, 'login_id', a.login_id, 'role', a.role,
    'session_role', app.jwt_claim('role'),
    'name', a.name, 'name_kana', a.name_kana, 'email', a.email,
    'organisation', jsonb_build_object('id', o.id, 'kind', o.kind, 'code', o.code, 'name', o.name),
    'is_hospital_admin', a.is_hospital_admin,
    'program', a.program, 'doctor_kind', a.doctor_kind,
    'designation_expires_on', a.designation_expires_on,
    'hospital_ids', app.current_hospital_ids(),
    -- the session's end (the JWT's own `exp` lies the grace period later)
    'session_expires_at', (SELECT s.expires_at FROM app.sessions s
                            WHERE s.id = app.jwt_claim('sid')::uuid AND s.account_id = a.id))
  FROM app.accounts a JOIN app.organisations o ON o.id = a.organisation_id
  WHERE a.id = app.current_account_id()
$$;
COMMENT ON FUNCTION api.whoami() IS 'ログイン中の利用者の情報';
