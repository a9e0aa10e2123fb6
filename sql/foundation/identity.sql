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
SET search_path = pg_catalog, pg_temp
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

-- The calling account, or an error. Write functions start with this: it
-- checks the account still exists (not deleted) even inside one JWT's
-- lifetime. It does not lock the row: a decision that reads the caller's
-- own rights and changes them (transfer_hospital_admin) locks it itself.
-- (A login lock does not count here: it stops new logins, not sessions.)
-- For a request made with an API token it is the token's caller
-- (app.api_token_caller in sql/accounts/api_tokens.sql): role api_token,
-- the token's hospital, on behalf of the admin who made the token.
CREATE OR REPLACE FUNCTION app.caller()
RETURNS app.accounts
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts;
BEGIN
  IF app.jwt_claim('role') = 'api_token' THEN
    me := app.api_token_caller();
    IF me.id IS NULL THEN
      PERFORM app.raise('42501', 'E_NOT_LOGGED_IN', 'ログインしてください。');
    END IF;
    RETURN me;
  END IF;
  SELECT * INTO me FROM app.accounts
   WHERE id = app.current_account_id() AND deleted_at IS NULL;
  IF NOT FOUND THEN
    PERFORM app.raise('42501', 'E_NOT_LOGGED_IN', 'ログインしてください。');
  END IF;
  RETURN me;
END
$$;
