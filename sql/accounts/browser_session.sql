-- The browser session (issue #18): the web client never holds the JWT.
-- When a request carries `X-Requested-With: nanbyo-web` (only the web client
-- sends it; nginx refuses a cookie-authenticated request without it, which is
-- the CSRF check), api.login and api.renew_session put the token in an
-- HttpOnly, Secure, SameSite=Strict cookie for /api/ through PostgREST's
-- response.headers and leave it out of the JSON answer; nginx turns the
-- cookie back into `Authorization: Bearer` (docker/nginx/nanbyo.conf.template).
-- api.logout and api.complete_enrolment (which ends the enrolment session)
-- clear it. Without the header nothing changes: curl and hospital systems
-- get the token in the answer and send it as a Bearer header.
--
-- The cookie has no Max-Age: it goes with the browser, and the session row
-- decides how long it is good for (app.check_request answers
-- E_SESSION_EXPIRED after app.session_minutes(), so the user learns why).

CREATE OR REPLACE FUNCTION app.session_cookie_name()
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'nanbyo_session' $$;

-- Whether the caller is the web client, which wants its session as a cookie.
CREATE OR REPLACE FUNCTION app.browser_session_requested()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-requested-with', '')
         = 'nanbyo-web'
$$;

-- The Set-Cookie value that holds `token` (NULL: the one that deletes it).
CREATE OR REPLACE FUNCTION app.session_cookie(token text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT app.session_cookie_name() || '=' || coalesce(token, '')
         || CASE WHEN token IS NULL THEN '; Max-Age=0' ELSE '' END
         || '; Path=/api/; HttpOnly; Secure; SameSite=Strict'
$$;

-- The answer of a call that opened or renewed a session: for the web client
-- the token goes into the cookie and out of the answer; for everyone else
-- the answer is unchanged.
CREATE OR REPLACE FUNCTION app.session_answer(answer jsonb)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT app.browser_session_requested() OR answer ->> 'token' IS NULL THEN
    RETURN answer;
  END IF;
  PERFORM app.add_response_header('Set-Cookie', app.session_cookie(answer ->> 'token'));
  RETURN answer - 'token';
END
$$;

-- For a call that ended the caller's session: the web client's cookie goes.
CREATE OR REPLACE FUNCTION app.clear_session_cookie()
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF app.browser_session_requested() THEN
    PERFORM app.add_response_header('Set-Cookie', app.session_cookie(NULL));
  END IF;
END
$$;
