-- Sessions (A6, A7): ending them. Opening one is login's
-- (sql/accounts/login.sql); checking one, the pre-request check's
-- (sql/foundation/request_check.sql).

-- End every live session of an account (key revoked, designation changed,
-- password reset, account deleted or locked).
CREATE OR REPLACE FUNCTION app.revoke_sessions(account bigint, why text)
RETURNS integer
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH revoked AS (
    UPDATE app.sessions SET revoked_at = now(), revoked_why = why
     WHERE account_id = account AND revoked_at IS NULL
    RETURNING 1)
  SELECT count(*)::integer FROM revoked
$$;

-- POST /rpc/renew_session: a live full session goes on for another
-- app.session_minutes() from now (the web client offers it before the
-- session ends, so that typed data is not lost). The answer is the new
-- expiry and a new JWT for the same session (its `exp` moves with it); the
-- web client gets the JWT as its cookie instead (sql/accounts/browser_session.sql).
-- The pre-request check has already refused a revoked or ended session; an
-- enrolment session may not be renewed (not granted).
CREATE OR REPLACE FUNCTION api.renew_session()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  s app.sessions;
BEGIN
  UPDATE app.sessions SET expires_at = now() + make_interval(mins => app.session_minutes())
   WHERE id = app.jwt_claim('sid')::uuid AND account_id = me.id AND stage = 'full'
     AND revoked_at IS NULL AND expires_at > now()
  RETURNING * INTO s;
  IF s.id IS NULL THEN
    PERFORM app.raise_http(401, '28000', 'E_SESSION_REVOKED', 'セッションは終了しました。再度ログインしてください。');
  END IF;
  PERFORM app.audit('session.renew', 'success', 'session', s.id::text,
                    jsonb_build_object('expires_at', s.expires_at));
  RETURN app.session_answer(jsonb_build_object(
    'token', app.session_token(me, s.id, s.stage, now(), s.expires_at),
    'expires_at', s.expires_at));
END
$$;
COMMENT ON FUNCTION api.renew_session() IS
  'セッション延長: ログイン中のセッションを今から30分延長し、新しい有効期限を返す（X-Requested-With: nanbyo-web のときはCookieを更新する）';
