-- Sessions and server secrets are touched only by SECURITY DEFINER functions
-- (login, pre-request check, revocation). No API role has any grant; RLS is
-- on with no policy, so even a future grant would show nothing.
ALTER TABLE app.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.server_secrets ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.sessions, app.server_secrets FROM PUBLIC;

-- The mail outbox (sql/accounts/mail_outbox.sql): the deployment's mailer reads it and marks
-- mails sent; nobody else reads it, nobody deletes from it.
REVOKE ALL ON app.mail_outbox, app.enrolment_codes, app.login_throttle FROM PUBLIC;
GRANT USAGE ON SCHEMA app TO nanbyo_mailer;
GRANT SELECT, UPDATE (sent_at, attempts, last_error) ON app.mail_outbox TO nanbyo_mailer;
