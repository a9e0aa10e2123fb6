-- API tokens (sql/accounts/api_tokens.sql). The tables are touched only by
-- SECURITY DEFINER functions: no API role has a grant, RLS is on with no
-- policy. The scopes' vocabulary is public like the other vocabularies' labels.
ALTER TABLE app.api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.api_token_grants ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.api_tokens, app.api_token_grants, app.api_token_scopes FROM PUBLIC;

-- The hospital admin (a doctor or hospital_admin account with
-- is_hospital_admin; the functions check that) makes, lists and revokes them.
GRANT EXECUTE ON FUNCTION api.create_api_token(text, text[], timestamptz), api.list_api_tokens(),
  api.revoke_api_token(bigint)
  TO doctor, hospital_admin;

-- The role a token's requests run as: the api functions of the scopes
-- (app.api_token_scope_of: the one list) and what PostgREST calls before
-- them; which of its scopes a token holds, the pre-request check decides.
-- A member of no group role: no table, view or other function.
GRANT USAGE ON SCHEMA api, app TO api_token;
GRANT EXECUTE ON FUNCTION app.check_request(), app.add_response_header(text, text) TO api_token;
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid FROM pg_proc p
            WHERE p.pronamespace = 'api'::regnamespace AND app.api_token_scope_of(p.proname) IS NOT NULL LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO api_token', f);
  END LOOP;
END
$$;
