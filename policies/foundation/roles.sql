-- Database roles. Roles are cluster-wide, so they are created only when
-- missing; their memberships and comments are set on every deploy.
--
-- PostgREST logs in as `authenticator`, which has no rights of its own
-- (NOINHERIT) and switches with SET ROLE to `web_anon` for requests without
-- a JWT, or to the role named in the JWT: one role per user type, made
-- from the vocabulary (app.roles), plus `enrolling` for a first-login
-- session (A7), which may only finish enrolment, and `api_token` for a
-- hospital system's API token (sql/accounts/api_tokens.sql), which may only
-- call the functions of the scopes (a member of no group role).
--
-- Group roles, so that a policy names a group instead of listing roles:
--   api_user             every logged-in API role (not enrolling)
--   hospital_users       doctor, clerk, hospital_admin
--   municipality_users   municipality_admin, municipality_staff
--   operator_users       operator_admin, operator_staff
--   ministry_users       ministry_admin, ministry_staff
--   contractor_users     contractor
--   form_readers         who may read forms at all: doctor, clerk,
--                        municipality_users, operator_users (which forms:
--                        policies/forms/forms.sql)
DO $$
DECLARE
  r record;
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['web_anon', 'nanbyo_mailer', 'api_user', 'enrolling', 'form_readers', 'api_token'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', name);
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOSUPERUSER;
  END IF;
  -- refusals are appended to the audit log over a connection of their own
  -- (sql/foundation/audit.sql): this role may do that and nothing else
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nanbyo_audit_writer') THEN
    CREATE ROLE nanbyo_audit_writer LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOSUPERUSER;
  END IF;
  FOR r IN SELECT code, role_group, label_ja FROM app.roles ORDER BY code LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r.role_group) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r.role_group);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r.code) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r.code);
    END IF;
    EXECUTE format('GRANT %I, api_user TO %I', r.role_group, r.code);
    EXECUTE format('GRANT %I TO authenticator', r.code);
    EXECUTE format('COMMENT ON ROLE %I IS %L', r.code, r.label_ja);
  END LOOP;
  GRANT form_readers TO doctor, clerk, municipality_users, operator_users;
  GRANT enrolling, web_anon, api_token TO authenticator;
END
$$;
COMMENT ON ROLE authenticator IS 'PostgREST login role: no rights of its own, only SET ROLE';
-- No JIT compilation for the API's requests: short queries over partitioned
-- tables reach jit_above_cost on their estimates, and compiling took
-- 180–300 ms of a 10 ms search page among 2 million forms (BENCHMARKS.md,
-- "Ten years of forms"). The nightly jobs (pg_cron, as postgres) keep it.
ALTER ROLE authenticator SET jit = off;
COMMENT ON ROLE web_anon IS 'Requests without a JWT: may only call public api functions';
COMMENT ON ROLE nanbyo_audit_writer IS 'Appends refused requests to the audit log (dblink); nothing else';
COMMENT ON ROLE nanbyo_mailer IS 'The deployment mailer: reads app.mail_outbox and marks mails sent';
COMMENT ON ROLE api_user IS 'What every logged-in API role shares: the api schema and identity helpers';
COMMENT ON ROLE enrolling IS '初回ログイン中（登録の完了だけができる）';
COMMENT ON ROLE api_token IS 'APIトークン（医療機関のシステム）: 権限範囲の関数だけ（sql/accounts/api_tokens.sql）';
COMMENT ON ROLE form_readers IS 'Roles that may read forms at all (which ones: RLS on app.forms)';

-- Time limits (E1): no request may hold a backend for long. PostgREST
-- applies the impersonated role's settings to each request; the bulk import
-- gets its documented longer limit from the pre-request check
-- (app.statement_timeout_for).
DO $$
DECLARE
  r text;
BEGIN
  -- (the group roles too: authenticator could SET ROLE to them, as to any
  -- role it reaches through membership)
  FOR r IN SELECT code FROM app.roles UNION SELECT role_group FROM app.roles
           UNION VALUES ('enrolling'), ('api_user'), ('form_readers'), ('api_token') LOOP
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L', r, current_database(), '30s');
  END LOOP;
  EXECUTE format('ALTER ROLE web_anon IN DATABASE %I SET statement_timeout = %L', current_database(), '5s');
END
$$;
