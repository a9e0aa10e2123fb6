-- The HTTP status PostgREST 12.0.2 gives an error of this SQLSTATE
-- (docs "HTTP Status Codes"; 42501 is 401 without a JWT). app.raise uses it
-- to raise the same status itself.
CREATE OR REPLACE FUNCTION app.http_status_of(sqlstate text)
RETURNS integer
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN sqlstate IN ('23503', '23505') THEN 409
    WHEN sqlstate = '25006' THEN 405
    WHEN sqlstate = 'P0001' THEN 400
    WHEN sqlstate IN ('42883', '42P01') THEN 404
    WHEN sqlstate = '42P17' THEN 500
    WHEN sqlstate = '42501' THEN
      CASE WHEN coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role', 'web_anon')
                = 'web_anon' THEN 401 ELSE 403 END
    WHEN left(sqlstate, 2) IN ('08', '53') THEN 503
    WHEN left(sqlstate, 2) IN ('0L', '0P', '28') THEN 403
    WHEN left(sqlstate, 2) = '54' THEN 413
    WHEN left(sqlstate, 2) IN ('09', '25', '2D', '38', '39', '3B', '40', '55', '57', '58', 'F0', 'HV', 'P0', 'XX')
      THEN 500
    ELSE 400 END
$$;

-- In an exception handler: the SQLSTATE, stable code and message of the
-- error caught, whether raised plainly (outside HTTP, or by the extension)
-- or by app.raise inside an HTTP request as PostgREST's PGRST (whose
-- MESSAGE is the JSON body). Pass RETURNED_SQLSTATE, MESSAGE_TEXT and
-- PG_EXCEPTION_DETAIL of GET STACKED DIAGNOSTICS.
CREATE OR REPLACE FUNCTION app.caught_error(state text, message text, detail text,
                                            OUT sqlstate text, OUT code text, OUT message_ja text)
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body jsonb;
BEGIN
  IF state = 'PGRST' THEN
    BEGIN
      body := message::jsonb;
      sqlstate := body ->> 'code';
      code := body ->> 'details';
      message_ja := body ->> 'message';
      RETURN;
    EXCEPTION WHEN invalid_text_representation THEN
      NULL;
    END;
  END IF;
  sqlstate := state;
  code := detail;
  message_ja := message;
END
$$;

-- One way to refuse a request from SQL, matching the extension's errors: a
-- standard SQLSTATE, the Japanese message for the user, the stable English
-- code in DETAIL (PostgREST returns it as `details`).
CREATE OR REPLACE FUNCTION app.raise(sqlstate text, code text, message text, hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  status integer;
BEGIN
  -- PostgREST answers P0002 (no_data_found) and 55000 (object not in
  -- prerequisite state) with 500; they are a 404 and a 409. Inside an HTTP
  -- request, say so explicitly (same body, right status).
  -- A refusal (not allowed, not found: what a probe of others' data gets)
  -- is recorded although the request rolls back.
  -- (P0002 is recorded by app.raise_http below)
  IF sqlstate IN ('42501', '28000', '28P01') AND coalesce(current_setting('request.method', true), '') <> '' THEN
    PERFORM app.record_refusal(sqlstate, code);
  END IF;
  IF sqlstate IN ('P0002', '55000') AND coalesce(current_setting('request.method', true), '') <> '' THEN
    PERFORM app.raise_http(CASE sqlstate WHEN 'P0002' THEN 404 ELSE 409 END, sqlstate, code, message);
  END IF;
  -- Inside an HTTP request, a 4xx error is raised as PostgREST's PGRST
  -- error with the status PostgREST would give the SQLSTATE (the same body),
  -- so that the answer carries the X-Request-Id header too: PostgREST 12
  -- sends the headers of response.headers only with a successful answer.
  -- A handler that catches it reads its parts with app.caught_error.
  IF coalesce(current_setting('request.method', true), '') <> '' THEN
    status := app.http_status_of(sqlstate);
    IF status BETWEEN 400 AND 499 THEN
      RAISE SQLSTATE 'PGRST' USING
        MESSAGE = jsonb_build_object('code', sqlstate, 'message', message, 'details', code, 'hint', hint)::text,
        DETAIL = jsonb_build_object('status', status, 'headers',
                   CASE WHEN status = 401 THEN '{"WWW-Authenticate": "Bearer"}'::jsonb ELSE '{}'::jsonb END
                   || CASE WHEN coalesce(current_setting('app.request_id', true), '') <> ''
                           THEN jsonb_build_object('X-Request-Id', current_setting('app.request_id', true))
                           ELSE '{}'::jsonb END)::text;
    END IF;
  END IF;
  IF hint IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, DETAIL = code;
  END IF;
  RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, DETAIL = code, HINT = hint;
END
$$;
COMMENT ON FUNCTION app.raise(text, text, text, text) IS
  'Raise an error with SQLSTATE, Japanese message and stable English code (DETAIL)';

-- Refuse a request with an exact HTTP status (PostgREST's 'PGRST' error:
-- MESSAGE is the JSON body, DETAIL the status and headers). The body has the
-- same fields as every other error. Outside PostgREST it is still an error
-- whose message is that JSON.
CREATE OR REPLACE FUNCTION app.raise_http(status integer, sqlstate text, code text, message text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF status IN (401, 403, 404, 405) AND coalesce(current_setting('request.method', true), '') <> '' THEN
    PERFORM app.record_refusal(sqlstate, code);
  END IF;
  RAISE SQLSTATE 'PGRST' USING
    MESSAGE = jsonb_build_object('code', sqlstate, 'message', message, 'details', code, 'hint', NULL)::text,
    DETAIL = jsonb_build_object('status', status, 'headers',
               CASE WHEN status = 401 THEN '{"WWW-Authenticate": "Bearer"}'::jsonb ELSE '{}'::jsonb END
               || CASE WHEN coalesce(current_setting('app.request_id', true), '') <> ''
                       THEN jsonb_build_object('X-Request-Id', current_setting('app.request_id', true))
                       ELSE '{}'::jsonb END)::text;
END
$$;
COMMENT ON FUNCTION app.raise_http(integer, text, text, text) IS
  'Raise an error with an exact HTTP status for PostgREST (body: code, message, details = stable code)';

-- Raises a problem answered as 'CODE:message' by a rule function (the
-- patient register's, the form lifecycle's: rules a set-based import
-- reports per row) with `sqlstate`; nothing when the problem is NULL.
CREATE OR REPLACE FUNCTION app.raise_problem(problem text, sqlstate text DEFAULT '22023')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM app.raise(sqlstate, split_part(problem, ':', 1), substr(problem, strpos(problem, ':') + 1));
  END IF;
END
$$;
