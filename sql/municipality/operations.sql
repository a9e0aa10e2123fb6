-- The municipality's work on an issued form (C1, C2): take it over by its
-- access key, correct it, record the review result, register it. Grants in
-- policies/municipality/operations.sql.

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
  IF NOT EXISTS (SELECT FROM app.review_results r WHERE r.code = result) THEN
    PERFORM app.raise('22023', 'E_REVIEW_RESULT', '審査結果は granted（認定）, refused（不認定）, pending（保留）のいずれかです。');
  END IF;
  IF f.status NOT IN ('taken_over', 'reviewed') THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', 'この票は審査できる状態ではありません。');
  END IF;
  -- a recorded certification decides the review result: it changes there
  IF EXISTS (SELECT FROM app.certifications c WHERE c.form_id = f.id AND c.outcome IS DISTINCT FROM result) THEN
    PERFORM app.raise('55000', 'E_CERTIFICATION_RECORDED',
      '認定結果が記録されている票です。審査結果は認定結果の記録で変更してください。');
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
