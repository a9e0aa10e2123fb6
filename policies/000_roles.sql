-- Database roles. PostgREST logs in as `authenticator`, which has no rights
-- of its own (NOINHERIT) and switches with SET ROLE to `web_anon` for requests
-- without a JWT, or to the role named in the JWT.
-- Roles are cluster-wide, so they are created only when missing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOSUPERUSER;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'web_anon') THEN
    CREATE ROLE web_anon NOLOGIN;
  END IF;
  -- refusals are appended to the audit log over a connection of their own
  -- (sql/046_refusal_log.sql): this role may do that and nothing else
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nanbyo_audit_writer') THEN
    CREATE ROLE nanbyo_audit_writer LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOSUPERUSER;
  END IF;
  -- the deployment's mailer logs in as a member of this role: it reads the
  -- mail outbox and marks mails sent, nothing else
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nanbyo_mailer') THEN
    CREATE ROLE nanbyo_mailer NOLOGIN;
  END IF;
END
$$;
COMMENT ON ROLE authenticator IS 'PostgREST login role: no rights of its own, only SET ROLE';
COMMENT ON ROLE web_anon IS 'Requests without a JWT: may only call public api functions';

GRANT web_anon TO authenticator;
COMMENT ON ROLE nanbyo_audit_writer IS 'Appends refused requests to the audit log (dblink); nothing else';
COMMENT ON ROLE nanbyo_mailer IS 'The deployment mailer: reads app.mail_outbox and marks mails sent';
