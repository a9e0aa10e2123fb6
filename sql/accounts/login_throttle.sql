-- The lockout (A11) that an attacker cannot turn into a permanent denial of
-- service nor into a test of which login ids exist: failures are counted per
-- login id as typed (app.login_throttle), for unknown ids exactly as for
-- existing ones; five in a row lock the id for a while, each further failure
-- after the lock ran out locks it for twice as long (up to an hour). The
-- hospital admin or issuer may unlock at once (api.unlock_account); a
-- successful login forgets the failures. A lock does not end live sessions:
-- the attacker who causes it does not log the real user out.

-- Consecutive failures that lock a login id.
CREATE OR REPLACE FUNCTION app.login_lock_after()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 5 $$;

-- How long `failures` consecutive failures lock the id: 5 minutes at the
-- fifth, doubling with each failure after that, at most one hour.
CREATE OR REPLACE FUNCTION app.login_lock_duration(failures integer)
RETURNS interval LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN failures < app.login_lock_after() THEN interval '0'
              ELSE least(interval '5 minutes' * power(2, least(failures - app.login_lock_after(), 10)),
                         interval '1 hour') END
$$;

-- Failures older than this are forgotten.
CREATE OR REPLACE FUNCTION app.login_failure_memory()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '24 hours' $$;

-- The key of a login id in app.login_throttle: a keyed hash, so the table
-- holds no typed id and cannot be searched for one without the secret.
CREATE OR REPLACE FUNCTION app.login_key(login_id text)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT encode(sha256(convert_to(s.value || E'\n' || coalesce(login_id, ''), 'UTF8')), 'hex')
    FROM app.server_secrets s WHERE s.name = 'login_key_secret'
$$;

-- Whether an account's login id is locked now.
CREATE OR REPLACE FUNCTION app.account_locked_until(account_id bigint)
RETURNS timestamptz
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT max(t.locked_until) FROM app.login_throttle t
   WHERE t.account_id = account_locked_until.account_id AND t.locked_until > now()
$$;

-- Records one more failure of the login id `key` (naming `account`, or no
-- account) and answers the throttle row as it now is. The caller holds the
-- id's advisory lock (api.login), so the count cannot be raced.
CREATE OR REPLACE FUNCTION app.count_login_failure(key text, account bigint)
RETURNS app.login_throttle
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t app.login_throttle;
  failures integer;
BEGIN
  SELECT * INTO t FROM app.login_throttle x WHERE x.login_key = key;
  failures := CASE WHEN t.login_key IS NULL OR t.last_failure_at < now() - app.login_failure_memory() THEN 1
                   ELSE t.failures + 1 END;
  INSERT INTO app.login_throttle AS x (login_key, account_id, failures, locked_until, last_failure_at)
  VALUES (key, account, failures,
          CASE WHEN failures >= app.login_lock_after() THEN now() + app.login_lock_duration(failures) END, now())
  ON CONFLICT (login_key) DO UPDATE
    SET account_id = EXCLUDED.account_id, failures = EXCLUDED.failures,
        locked_until = EXCLUDED.locked_until, last_failure_at = EXCLUDED.last_failure_at
  RETURNING * INTO t;
  RETURN t;
END
$$;

-- The answer to a login while its id is locked: the same for every id.
CREATE OR REPLACE FUNCTION app.login_locked(locked_until timestamptz)
RETURNS jsonb
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT app.login_refused(403, 'E_ACCOUNT_LOCKED',
    format('ログインに続けて失敗したため、このIDは %s までログインできません。時間をおいてからもう一度お試しいただくか、医療機関の責任者（指定医は発行自治体）に解除を依頼してください。',
           to_char(locked_until AT TIME ZONE 'Asia/Tokyo', 'HH24:MI')))
$$;

-- Forget old failures (pg_cron, hourly): an unknown id's row is kept only as
-- long as it can still matter.
CREATE OR REPLACE FUNCTION app.forget_old_login_failures()
RETURNS integer
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH gone AS (
    DELETE FROM app.login_throttle
     WHERE last_failure_at < now() - app.login_failure_memory()
       AND (locked_until IS NULL OR locked_until < now())
    RETURNING 1)
  SELECT count(*)::integer FROM gone
$$;

DO $$ BEGIN
  PERFORM cron.schedule('nanbyo-forget-login-failures', '17 * * * *', 'SELECT app.forget_old_login_failures()');
END $$;
