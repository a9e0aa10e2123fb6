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
