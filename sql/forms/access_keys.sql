-- Access keys (B7): issuing a key, and looking a form up by its key, with
-- the rate limit on wrong keys. What the municipality then does with the
-- form is in sql/municipality/operations.sql.

-- The stored hash of a (typed or canonical) access key: the extension's
-- keyed hash with this database's secret. Raises E_ACCESS_KEY_FORMAT or
-- E_ACCESS_KEY_TYPO for a key that cannot be one.
CREATE OR REPLACE FUNCTION app.access_key_hash(key text)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN nanbyo.access_key_hash(key, (SELECT value FROM app.server_secrets WHERE name = 'access_key_secret'));
END
$$;


-- POST /rpc/issue_access_key (doctor, B7): the access key of a confirmed
-- form, shown once, to print on the form or a slip. Calling it again
-- reissues: the old key stops working at once.
CREATE OR REPLACE FUNCTION api.issue_access_key(form_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.hospital_form_for_update(me, form_id);
  key text := nanbyo.generate_access_key();
  revoked integer;
BEGIN
  IF me.role <> 'doctor' THEN
    PERFORM app.raise('42501', 'E_DOCTOR_ONLY', 'アクセスキーを発行できるのは指定医です。');
  END IF;
  IF f.status NOT IN ('confirmed', 'issued') THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS',
      CASE WHEN f.status = 'draft' THEN '確定していない票にはアクセスキーを発行できません。'
           ELSE '自治体が受け付けた票のアクセスキーは再発行できません。' END);
  END IF;
  UPDATE app.access_keys k SET revoked_at = now() WHERE k.form_id = f.id AND k.revoked_at IS NULL;
  GET DIAGNOSTICS revoked = ROW_COUNT;
  INSERT INTO app.access_keys (form_id, key_hash, issued_by)
  VALUES (f.id, app.access_key_hash(key), me.id);
  IF f.status = 'confirmed' THEN
    UPDATE app.forms x SET status = 'issued', issued_at = now() WHERE x.id = f.id;
  END IF;
  PERFORM app.audit(CASE WHEN revoked > 0 THEN 'form.reissue_access_key' ELSE 'form.issue_access_key' END,
                    'success', 'form', f.id::text);
  RETURN jsonb_build_object('form_id', f.id, 'access_key', key, 'status', 'issued', 'reissued', revoked > 0);
END
$$;
COMMENT ON FUNCTION api.issue_access_key(bigint) IS 'アクセスキーの発行・再発行（指定医）: キーは一度だけ表示';

-- Using an access key (B7, C1): a municipality fetches the form and takes it
-- over; another doctor reads it with the patient's consent. Every lookup is
-- audit-logged; wrong keys are counted per account and, past a limit, the
-- account may look up nothing for a while. Wrong-key answers are returned
-- (HTTP status set through response.status), not raised, so that the count
-- and the log survive the refusal.

-- Wrong keys an account may try in the window before it is refused.
CREATE OR REPLACE FUNCTION app.access_key_failure_limit()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 10 $$;
CREATE OR REPLACE FUNCTION app.access_key_failure_window()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '10 minutes' $$;

-- An account's wrong keys in the current window. Lookups of one account are
-- serialised (app.serialise_key_attempts, held to the end of the
-- transaction), so that concurrent lookups cannot all pass the count: at
-- most app.access_key_failure_limit() wrong keys are ever tried in a window.
CREATE OR REPLACE FUNCTION app.recent_access_key_failures(account bigint)
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT count(*)::integer FROM app.audit_log l
   WHERE l.actor_account_id = account AND l.action = 'access_key.lookup' AND l.outcome = 'failure'
     AND l.at > now() - app.access_key_failure_window()
$$;

CREATE OR REPLACE FUNCTION app.serialise_key_attempts(account bigint)
RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_advisory_xact_lock(hashtextextended('nanbyo.access_key:' || account, 0)) $$;

CREATE OR REPLACE FUNCTION app.rate_limit_message()
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('アクセスキーの誤りが続いたため、しばらく照会できません（%s分間に%s回まで）。',
                extract(epoch FROM app.access_key_failure_window())::integer / 60, app.access_key_failure_limit())
$$;

-- The refusal body of a lookup (the same fields as every error).
CREATE OR REPLACE FUNCTION app.lookup_refused(status integer, sqlstate text, code text, message text)
RETURNS jsonb
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object('code', sqlstate, 'message', message, 'details', code, 'hint', NULL)
    FROM (SELECT set_config('response.status', status::text, true)) set_status
$$;

-- The form an access key opens, for `me`, or a refusal (jsonb with `code`).
-- Logs the lookup either way.
CREATE OR REPLACE FUNCTION app.form_by_access_key(me app.accounts, typed_key text, purpose text, OUT form app.forms, OUT refusal jsonb)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  canonical text;
  failures integer;
  state text;
  message text;
  code text;
BEGIN
  PERFORM app.serialise_key_attempts(me.id);
  failures := app.recent_access_key_failures(me.id);
  IF failures >= app.access_key_failure_limit() THEN
    PERFORM app.audit('access_key.lookup', 'refused', 'access_key', NULL,
                      jsonb_build_object('purpose', purpose, 'reason', 'rate_limited'));
    refusal := app.lookup_refused(429, '54000', 'E_RATE_LIMITED', app.rate_limit_message());
    RETURN;
  END IF;
  BEGIN
    canonical := nanbyo.normalize_access_key(coalesce(typed_key, ''));
  EXCEPTION WHEN invalid_parameter_value THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, code = PG_EXCEPTION_DETAIL;
    -- a typo caught by the check character never reaches a stored key: logged, not counted
    PERFORM app.audit('access_key.lookup', 'refused', 'access_key', NULL,
                      jsonb_build_object('purpose', purpose, 'reason', code));
    refusal := app.lookup_refused(400, '22023', code, message);
    RETURN;
  END;
  SELECT f.* INTO form FROM app.access_keys k JOIN app.forms f ON f.id = k.form_id
   WHERE k.key_hash = app.access_key_hash(canonical)
     AND k.revoked_at IS NULL;
  IF NOT FOUND THEN
    PERFORM app.audit('access_key.lookup', 'failure', 'access_key', NULL,
                      jsonb_build_object('purpose', purpose, 'reason', 'unknown_key'));
    refusal := app.lookup_refused(404, 'P0002', 'E_ACCESS_KEY_UNKNOWN',
      'このアクセスキーの票はありません。キーを確認し、再発行された場合は新しいキーを使ってください。');
    form := NULL;
    RETURN;
  END IF;
  -- one entry records both the lookup and the read of the form it opened
  PERFORM app.audit('access_key.lookup', 'success', 'form', form.id::text, jsonb_build_object('purpose', purpose));
END
$$;

-- The form as returned to a reader: state, primary judgment and whole data.
CREATE OR REPLACE FUNCTION app.form_document(f app.forms)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (SELECT jsonb_build_object(
    'id', f.id, 'status', f.status, 'disease_code', f.disease_code, 'disease_name', app.disease_name(f.disease_code, f.form_version_id),
    'program', f.program, 'form_version_id', f.form_version_id, 'version_label', v.version_label,
    'purpose', f.purpose, 'fiscal_year', f.fiscal_year,
    'hospital', jsonb_build_object('id', h.id, 'code', h.code, 'name', h.name),
    'doctor', jsonb_build_object('id', d.id, 'name', d.name, 'doctor_kind', d.doctor_kind),
    'consent_db_registration', f.consent_db_registration,
    'primary_judgment', f.judgment ->> 'primary_judgment',
    'judgment', f.judgment,
    'confirmed_at', f.confirmed_at, 'municipality_id', f.municipality_id, 'review_result', f.review_result,
    'data', app.form_full_data(f),
    -- the municipality's decision, as much of it as the caller may see (sql/municipality/certification.sql)
    'certification', app.certification_document(f))
  FROM app.form_versions v, app.organisations h, app.accounts d
  WHERE v.id = f.form_version_id AND h.id = f.hospital_id AND d.id = f.doctor_account_id);
END
$$;

-- POST /rpc/fetch_form_by_key {"access_key"}: municipality staff (C1: with
-- the primary judgment) or another doctor, read-only with the patient's
-- consent (B7).
CREATE OR REPLACE FUNCTION api.fetch_form_by_key(access_key text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  lookup record;
BEGIN
  SELECT * INTO lookup FROM app.form_by_access_key(me, access_key, 'read');
  IF lookup.refusal IS NOT NULL THEN
    RETURN lookup.refusal;
  END IF;
  RETURN app.form_document(lookup.form);
END
$$;
COMMENT ON FUNCTION api.fetch_form_by_key(text) IS 'アクセスキーによる票の照会（自治体・他院の指定医）';
