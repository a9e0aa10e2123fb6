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

-- The rate limit counts an account's recent wrong keys: only those rows are
-- indexed, so the count stays small however many good lookups there were.
CREATE INDEX IF NOT EXISTS audit_log_access_key_failures ON app.audit_log (actor_account_id, at)
  WHERE action = 'access_key.lookup' AND outcome = 'failure';

-- An account's wrong keys in the current window. Lookups of one account are
-- serialised (app.serialise_key_attempts, held to the end of the
-- transaction), so that concurrent lookups cannot all pass the count: at
-- most app.access_key_failure_limit() wrong keys are ever tried in a window.
CREATE OR REPLACE FUNCTION app.recent_access_key_failures(account bigint)
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT count(*)::integer FROM app.audit_log l
   WHERE l.actor_account_id = account AND l.action = 'access_key.lookup' AND l.outcome = 'failure'
     AND l.at > now() - app.access_key_failure_window()
$$;

CREATE OR REPLACE FUNCTION app.serialise_key_attempts(account bigint)
RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog
AS $$ SELECT pg_advisory_xact_lock(hashtextextended('nanbyo.access_key:' || account, 0)) $$;

CREATE OR REPLACE FUNCTION app.rate_limit_message()
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog
AS $$
  SELECT format('アクセスキーの誤りが続いたため、しばらく照会できません（%s分間に%s回まで）。',
                extract(epoch FROM app.access_key_failure_window())::integer / 60, app.access_key_failure_limit())
$$;

-- The refusal body of a lookup (the same fields as every error).
CREATE OR REPLACE FUNCTION app.lookup_refused(status integer, sqlstate text, code text, message text)
RETURNS jsonb
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog
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
    'id', f.id, 'status', f.status, 'disease_code', f.disease_code, 'disease_name', v.disease_name,
    'program', f.program, 'form_version_id', f.form_version_id, 'version_label', v.version_label,
    'purpose', f.purpose, 'fiscal_year', f.fiscal_year,
    'hospital', jsonb_build_object('id', h.id, 'code', h.code, 'name', h.name),
    'doctor', jsonb_build_object('id', d.id, 'name', d.name, 'doctor_kind', d.doctor_kind),
    'consent_db_registration', f.consent_db_registration,
    'primary_judgment', f.judgment ->> 'primary_judgment',
    'judgment', f.judgment,
    'confirmed_at', f.confirmed_at, 'municipality_id', f.municipality_id, 'review_result', f.review_result,
    'data', app.form_full_data(f))
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

-- POST /rpc/take_over_form {"access_key"} (municipality, C1): the
-- municipality takes the issued form over; the hospital can no longer
-- change it, the municipality corrects and reviews it.
CREATE OR REPLACE FUNCTION api.take_over_form(access_key text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  lookup record;
  f app.forms;
BEGIN
  IF me.role NOT IN ('municipality_staff', 'municipality_admin') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '票を受け付けられるのは自治体の職員です。');
  END IF;
  SELECT * INTO lookup FROM app.form_by_access_key(me, access_key, 'take_over');
  IF lookup.refusal IS NOT NULL THEN
    RETURN lookup.refusal;
  END IF;
  f := app.form_for_update((lookup.form).id);
  -- the key may have been reissued while this waited for the form's lock:
  -- only a key still live now takes the form over
  IF NOT EXISTS (SELECT FROM app.access_keys k
                  WHERE k.form_id = f.id AND k.revoked_at IS NULL
                    AND k.key_hash = app.access_key_hash(nanbyo.normalize_access_key(access_key))) THEN
    RETURN app.lookup_refused(404, 'P0002', 'E_ACCESS_KEY_UNKNOWN',
      'このアクセスキーの票はありません。キーを確認し、再発行された場合は新しいキーを使ってください。');
  END IF;
  IF f.status = 'issued' THEN
    UPDATE app.forms x SET status = 'taken_over', municipality_id = me.organisation_id,
                           taken_over_at = now(), taken_over_by = me.id
     WHERE x.id = f.id RETURNING * INTO f;
    PERFORM app.audit('form.take_over', 'success', 'form', f.id::text);
  ELSIF f.municipality_id IS DISTINCT FROM me.organisation_id THEN
    PERFORM app.raise('55000', 'E_ALREADY_TAKEN_OVER', 'この票は既に他の自治体が受け付けています。');
  END IF;
  RETURN app.form_document(f);
END
$$;
COMMENT ON FUNCTION api.take_over_form(text) IS '票の受付（自治体）: アクセスキーで取り込み、一次判定を表示';

-- A form the caller's municipality took over, locked; otherwise 404.
CREATE OR REPLACE FUNCTION app.municipality_form_for_update(me app.accounts, form_id bigint)
RETURNS app.forms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f app.forms := app.form_for_update(form_id);
BEGIN
  IF me.role NOT IN ('municipality_staff', 'municipality_admin') OR f.municipality_id IS DISTINCT FROM me.organisation_id THEN
    PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
  END IF;
  RETURN f;
END
$$;

-- POST /rpc/correct_form {"form_id", "data"} (municipality, C2): data
-- corrections after take-over, kept in the form's history.
CREATE OR REPLACE FUNCTION api.correct_form(form_id bigint, data jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.municipality_form_for_update(me, form_id);
BEGIN
  IF f.status = 'registered' THEN
    PERFORM app.raise('55000', 'E_FORM_NOT_EDITABLE', '登録済みの票は修正できません。');
  END IF;
  data := app.require_object(data);
  PERFORM app.refuse_record_item_changes(f, data);
  PERFORM app.store_form_data(f, app.form_full_data(f) || data);
  PERFORM app.audit('form.correct', 'success', 'form', f.id::text,
                    jsonb_build_object('items', (SELECT jsonb_agg(k) FROM jsonb_object_keys(data) k)));
  RETURN app.form_answer(f.id);
END
$$;
COMMENT ON FUNCTION api.correct_form(bigint, jsonb) IS '受付後の票の修正（自治体）: 履歴に残る';

-- POST /rpc/review_form {"form_id", "result"} (municipality): granted,
-- refused or pending.
CREATE OR REPLACE FUNCTION api.review_form(form_id bigint, result text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.municipality_form_for_update(me, form_id);
BEGIN
  IF result IS NULL OR result NOT IN ('granted', 'refused', 'pending') THEN
    PERFORM app.raise('22023', 'E_REVIEW_RESULT', '審査結果は granted（認定）, refused（不認定）, pending（保留）のいずれかです。');
  END IF;
  IF f.status NOT IN ('taken_over', 'reviewed') THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', 'この票は審査できる状態ではありません。');
  END IF;
  UPDATE app.forms x SET status = 'reviewed', review_result = result, reviewed_at = now(), reviewed_by = me.id
   WHERE x.id = f.id;
  PERFORM app.audit('form.review', 'success', 'form', f.id::text, jsonb_build_object('result', result));
  RETURN jsonb_build_object('id', f.id, 'status', 'reviewed', 'review_result', result);
END
$$;
COMMENT ON FUNCTION api.review_form(bigint, text) IS '審査結果の登録（自治体）';

-- POST /rpc/register_form {"form_id"} (municipality): the reviewed form
-- enters the database.
CREATE OR REPLACE FUNCTION api.register_form(form_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.municipality_form_for_update(me, form_id);
BEGIN
  IF f.status <> 'reviewed' OR f.review_result = 'pending' THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', '審査結果（認定・不認定）が登録された票だけを登録できます。');
  END IF;
  UPDATE app.forms x SET status = 'registered', registered_at = now() WHERE x.id = f.id;
  PERFORM app.audit('form.register', 'success', 'form', f.id::text);
  RETURN jsonb_build_object('id', f.id, 'status', 'registered');
END
$$;
COMMENT ON FUNCTION api.register_form(bigint) IS '票のDB登録（自治体）';
