-- Login, enrolment (A7), logout, password change: sql/accounts/login.sql;
-- renewing a session: sql/accounts/sessions.sql.
GRANT EXECUTE ON FUNCTION api.login(text, text, text, text) TO web_anon, api_user, enrolling;
GRANT EXECUTE ON FUNCTION api.complete_enrolment(text, text) TO enrolling;
GRANT EXECUTE ON FUNCTION api.logout(), api.whoami(), api.health() TO api_user, enrolling;
GRANT EXECUTE ON FUNCTION api.change_password(text, text), api.renew_session() TO api_user;
