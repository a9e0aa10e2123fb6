-- Sessions and server secrets are touched only by SECURITY DEFINER functions
-- (login, pre-request check, revocation). No API role has any grant; RLS is
-- on with no policy, so even a future grant would show nothing.
ALTER TABLE app.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.server_secrets ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.sessions, app.server_secrets FROM PUBLIC;
