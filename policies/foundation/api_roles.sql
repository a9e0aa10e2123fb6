-- What every API role shares: the schemas, the identity helpers that
-- policies and invoker functions call, the pre-request check, and login.
-- Which role may call which api function is granted in the policy file of
-- the function's domain (policies/<domain>/).
GRANT USAGE ON SCHEMA api, nanbyo TO api_user, enrolling;
-- Policies and api functions running as the caller call the identity
-- helpers in `app`; the schema is usable, its tables are not (no grants).
GRANT USAGE ON SCHEMA app TO api_user, enrolling, web_anon;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  app.jwt_claim(text), app.current_account_id(), app.current_organisation_id(),
  app.current_request_id(), app.current_hospital_ids(), app.contains_pattern(text), app.prefix_pattern(text),
  app.audit_read(text, text, text[], jsonb), app.raise(text, text, text, text),
  app.raise_http(integer, text, text, text)
  TO api_user;
-- PostgREST's db-pre-request runs as whatever role the request runs as.
GRANT EXECUTE ON FUNCTION app.check_request() TO api_user, enrolling, web_anon;
GRANT EXECUTE ON FUNCTION app.add_response_header(text, text) TO api_user, enrolling, web_anon;
-- app.raise runs as its caller and asks which HTTP status an error gets
GRANT EXECUTE ON FUNCTION app.http_status_of(text) TO api_user;

