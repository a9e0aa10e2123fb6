-- One way to refuse a request from SQL, matching the extension's errors: a
-- standard SQLSTATE, the Japanese message for the user, the stable English
-- code in DETAIL (PostgREST returns it as `details`).
CREATE OR REPLACE FUNCTION app.raise(sqlstate text, code text, message text, hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
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
