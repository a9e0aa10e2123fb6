-- The API roles: one PostgreSQL role per user type of MISSION.md. A JWT from
-- api.login names one of them; PostgREST's `authenticator` switches to it.
-- `enrolling` is the role of a first-login session (A7): it may only finish
-- enrolment. Every other API role is a member of `api_user`, which holds what
-- all of them share.
DO $$
DECLARE
  r text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api_user') THEN
    CREATE ROLE api_user NOLOGIN;
  END IF;
  FOREACH r IN ARRAY ARRAY['doctor', 'clerk', 'hospital_admin', 'municipality_admin', 'municipality_staff',
                           'operator_admin', 'operator_staff', 'ministry_admin', 'ministry_staff',
                           'contractor', 'enrolling'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
    IF r <> 'enrolling' THEN
      EXECUTE format('GRANT api_user TO %I', r);
    END IF;
    EXECUTE format('GRANT %I TO authenticator', r);
  END LOOP;
END
$$;
COMMENT ON ROLE api_user IS 'What every logged-in API role shares: the api schema and identity helpers';
COMMENT ON ROLE doctor IS '指定医（難病指定医・協力難病指定医・小慢指定医）';
COMMENT ON ROLE clerk IS '医療クラーク等';
COMMENT ON ROLE hospital_admin IS '医療機関の責任者（指定医以外）';
COMMENT ON ROLE municipality_admin IS '自治体 管理者';
COMMENT ON ROLE municipality_staff IS '自治体 一般ユーザ';
COMMENT ON ROLE operator_admin IS '運営主体 管理者';
COMMENT ON ROLE operator_staff IS '運営主体 一般ユーザ';
COMMENT ON ROLE ministry_admin IS '厚生労働省 管理者';
COMMENT ON ROLE ministry_staff IS '厚生労働省 一般ユーザ';
COMMENT ON ROLE contractor IS '外部委託事業者（入力のみ）';
COMMENT ON ROLE enrolling IS '初回ログイン中（登録の完了だけができる）';

GRANT USAGE ON SCHEMA api, nanbyo TO api_user, enrolling;
-- Policies and api functions running as the caller call the identity
-- helpers in `app`; the schema is usable, its tables are not (no grants).
GRANT USAGE ON SCHEMA app TO api_user, enrolling, web_anon;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  app.jwt_claim(text), app.current_account_id(), app.current_organisation_id(),
  app.current_request_id(), app.current_hospital_ids(), app.contains_pattern(text),
  app.audit_read(text, text, text[], jsonb), app.raise(text, text, text, text),
  app.raise_http(integer, text, text, text)
  TO api_user;
-- PostgREST's db-pre-request runs as whatever role the request runs as.
GRANT EXECUTE ON FUNCTION app.check_request() TO api_user, enrolling, web_anon;
GRANT EXECUTE ON FUNCTION app.add_response_header(text, text) TO api_user, enrolling, web_anon;

-- Login and enrolment.
GRANT EXECUTE ON FUNCTION api.login(text, text, text, text) TO web_anon, api_user, enrolling;
GRANT EXECUTE ON FUNCTION api.complete_enrolment(text, text) TO enrolling;
GRANT EXECUTE ON FUNCTION api.logout(), api.whoami(), api.health() TO api_user, enrolling;
GRANT EXECUTE ON FUNCTION api.change_password(text, text) TO api_user;

-- Time limits (E1): no request may hold a backend for long. PostgREST
-- applies the impersonated role's settings to each request; the bulk import
-- gets its documented longer limit from the pre-request check
-- (app.statement_timeout_for).
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['doctor', 'clerk', 'hospital_admin', 'municipality_admin', 'municipality_staff',
                           'operator_admin', 'operator_staff', 'ministry_admin', 'ministry_staff',
                           'contractor', 'enrolling'] LOOP
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L', r, current_database(), '30s');
  END LOOP;
  EXECUTE format('ALTER ROLE web_anon IN DATABASE %I SET statement_timeout = %L', current_database(), '5s');
END
$$;
