-- Drafts (B1–B3): creating and saving forms, comments on items, and the
-- doctor's confirmation.

CREATE OR REPLACE FUNCTION app.form_doctor(me app.accounts, doctor_account_id bigint, hospital bigint, program text)
RETURNS app.accounts
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d app.accounts;
BEGIN
  IF me.role = 'doctor' AND (doctor_account_id IS NULL OR doctor_account_id = me.id) THEN
    d := me;
  ELSE
    SELECT * INTO d FROM app.accounts a
     WHERE a.id = doctor_account_id AND a.role = 'doctor' AND a.deleted_at IS NULL;
    IF NOT FOUND OR NOT app.writes_forms_at(d, hospital) THEN
      PERFORM app.raise('22023', 'E_DOCTOR_REQUIRED', '担当の指定医（この医療機関の指定医のID）を指定してください。');
    END IF;
  END IF;
  IF d.program <> program THEN
    PERFORM app.raise('22023', 'E_DOCTOR_PROGRAM',
      format('%sの票は%sの指定医が担当します。', CASE program WHEN 'nanbyo' THEN '難病' ELSE '小慢' END,
             CASE program WHEN 'nanbyo' THEN '難病' ELSE '小慢' END));
  END IF;
  RETURN d;
END
$$;

-- Creates a draft (used by create_form and carry_over_form).
-- disease_code is the form's disease: v's own, or any designated disease
-- written on its program's general form (app.registrable_form_version).
CREATE OR REPLACE FUNCTION app.create_draft(
  me app.accounts, p app.patients, v app.form_versions, disease_code text, purpose text, doctor app.accounts,
  consent boolean, data jsonb, carried_over_from bigint DEFAULT NULL)
RETURNS app.forms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  f app.forms;
BEGIN
  IF NOT EXISTS (SELECT FROM app.form_purposes fp WHERE fp.code = purpose) THEN
    PERFORM app.raise('22023', 'E_FORM_PURPOSE',
      '申請区分は new（新規）, renewal（更新）, registration_only（登録のみ）のいずれかです。');
  END IF;
  INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                         created_by, purpose, consent_db_registration, consent_recorded_at, fiscal_year,
                         carried_over_from, entry_channel)
  VALUES (p.id, v.id, CASE WHEN app.is_general_form_code(v.disease_code) THEN disease_code ELSE v.disease_code END,
          v.program, p.hospital_id, doctor.id, me.id, purpose,
          coalesce(consent, false), CASE WHEN consent THEN now() END, app.fiscal_year(current_date),
          carried_over_from, 'online')
  RETURNING * INTO f;
  -- the patient block comes from the patient record; the application type
  -- item follows the form's purpose
  IF carried_over_from IS NULL THEN
    PERFORM app.refuse_record_item_changes(f, data);
  END IF;  -- (a carry-over's record items are last year's: this year's records replace them)
  PERFORM app.store_form_data(f, app.patient_block(p) || data
    || jsonb_build_object('application_type', purpose));
  SELECT * INTO f FROM app.forms WHERE id = f.id;
  RETURN f;
END
$$;

-- The answer of the form functions: the form's state and the findings of
-- nanbyo.judge on its current data (entry-time checks, B4–B6).
CREATE OR REPLACE FUNCTION app.form_answer(form_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object('id', f.id, 'status', f.status, 'form_version_id', f.form_version_id,
                            'disease_code', f.disease_code, 'purpose', f.purpose,
                            'judgment', nanbyo.judge(f.form_version_id, app.form_full_data(f)))
    FROM app.forms f WHERE f.id = form_id
$$;

-- POST /rpc/create_form (doctor, clerk): a draft for a patient, on the
-- disease's form version in force (B1). A clerk names the doctor.
CREATE OR REPLACE FUNCTION api.create_form(
  patient_id bigint, disease_code text, purpose text, doctor_account_id bigint DEFAULT NULL,
  consent_db_registration boolean DEFAULT false, data jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  p app.patients;
  v app.form_versions;
  f app.forms;
BEGIN
  SELECT * INTO p FROM app.patients x WHERE x.id = patient_id;
  IF NOT FOUND OR NOT app.writes_forms_at(me, p.hospital_id) THEN
    PERFORM app.raise('P0002', 'E_PATIENT_NOT_FOUND', '患者が見つかりません。');
  END IF;
  v := app.registrable_form_version(disease_code);
  data := app.require_object(coalesce(data, '{}'));
  -- the consent is given once: the parameter, or the consent item, not two different answers
  IF jsonb_typeof(data -> 'consent_db_registration') = 'boolean' THEN
    IF consent_db_registration AND NOT (data -> 'consent_db_registration')::boolean THEN
      PERFORM app.raise('22023', 'E_CONSENT_MISMATCH',
        'consent_db_registration と同意の項目が食い違っています。どちらか一方で指定してください。', 'consent_db_registration');
    END IF;
    consent_db_registration := (data -> 'consent_db_registration')::boolean;
  END IF;
  f := app.create_draft(me, p, v, create_form.disease_code, purpose, app.form_doctor(me, doctor_account_id, p.hospital_id, v.program),
                        consent_db_registration, data);
  PERFORM app.audit('form.create', 'success', 'form', f.id::text,
                    jsonb_build_object('patient_id', p.id, 'disease_code', f.disease_code,
                                       'form_version_id', v.id));
  RETURN app.form_answer(f.id);
END
$$;
COMMENT ON FUNCTION api.create_form(bigint, text, text, bigint, boolean, jsonb) IS '票の作成（下書き）';

-- POST /rpc/save_form {"form_id", "data"} (doctor, clerk): changes items of
-- a draft; null removes an item. Returns the entry-time findings.
CREATE OR REPLACE FUNCTION api.save_form(form_id bigint, data jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.hospital_form_for_update(me, form_id);
BEGIN
  IF f.status <> 'draft' THEN
    PERFORM app.raise('55000', 'E_FORM_NOT_EDITABLE', '確定した票は医療機関では編集できません。修正は受付自治体が行います。');
  END IF;
  data := app.require_object(data);
  PERFORM app.refuse_record_item_changes(f, data, ARRAY['consent_db_registration']);
  -- the consent item is the form's consent: a draft's save may record it
  IF jsonb_typeof(data -> 'consent_db_registration') = 'boolean'
     AND (data -> 'consent_db_registration')::boolean IS DISTINCT FROM f.consent_db_registration THEN
    UPDATE app.forms x
       SET consent_db_registration = (data -> 'consent_db_registration')::boolean,
           consent_recorded_at = CASE WHEN (data -> 'consent_db_registration')::boolean THEN now() END
     WHERE x.id = f.id RETURNING * INTO f;
  END IF;
  PERFORM app.store_form_data(f, app.form_full_data(f) || data);
  PERFORM app.audit('form.save', 'success', 'form', f.id::text,
                    jsonb_build_object('items', (SELECT jsonb_agg(k) FROM jsonb_object_keys(data) k)));
  RETURN app.form_answer(f.id);
END
$$;
COMMENT ON FUNCTION api.save_form(bigint, jsonb) IS '下書きの保存（入力チェックの結果を返す）';

-- POST /rpc/comment_on_form (doctor, clerk, B3): a note on an item of a draft.
CREATE OR REPLACE FUNCTION api.comment_on_form(form_id bigint, body text, item_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.hospital_form_for_update(me, form_id);
  comment_id bigint;
BEGIN
  IF body IS NULL OR btrim(body) = '' OR length(body) > 2000 THEN
    PERFORM app.raise('22023', 'E_COMMENT', 'コメントを2000文字以内で入力してください。');
  END IF;
  IF item_id IS NOT NULL AND NOT EXISTS (
       SELECT FROM jsonb_array_elements(nanbyo.form_items(f.form_version_id)) i WHERE i ->> 'id' = item_id) THEN
    PERFORM app.raise('22023', 'E_UNKNOWN_ITEM', format('項目「%s」はこの様式にありません。', item_id));
  END IF;
  INSERT INTO app.form_comments (form_id, item_id, author_account_id, body)
  VALUES (f.id, item_id, me.id, btrim(body)) RETURNING id INTO comment_id;
  PERFORM app.audit('form.comment', 'success', 'form', f.id::text, jsonb_build_object('item_id', item_id));
  RETURN jsonb_build_object('id', comment_id, 'form_id', f.id, 'item_id', item_id);
END
$$;
COMMENT ON FUNCTION api.comment_on_form(bigint, text, text) IS '項目へのコメント（クラーク→指定医）';

-- POST /rpc/confirm_form (doctor only): no error-level findings; only form
-- versions still registrable online; a 協力難病指定医 confirms renewals only.
CREATE OR REPLACE FUNCTION api.confirm_form(form_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.hospital_form_for_update(me, form_id);
  v app.form_versions;
  full_data jsonb;
  result_judgment jsonb;
  errors jsonb;
BEGIN
  IF me.role = 'doctor' AND f.status <> 'draft' THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', 'この票は既に確定しています。');
  END IF;
  -- the lifecycle's rules (sql/forms/lifecycle.sql), as for a bulk upload;
  -- online, the confirming doctor becomes the form's doctor
  PERFORM app.raise_problem(app.confirmation_problem(me.id, me.role, me.program, me.id, me.doctor_kind,
                                                     f.program, f.purpose), '42501');
  SELECT * INTO v FROM app.form_versions WHERE id = f.form_version_id;
  IF f.doctor_account_id <> me.id THEN
    -- the confirming doctor becomes the form's doctor, and its doctor items with them
    UPDATE app.forms x SET doctor_account_id = me.id WHERE x.id = f.id RETURNING * INTO f;
    PERFORM app.store_form_data(f, app.form_full_data(f));
  END IF;
  PERFORM app.raise_problem(app.version_closed_problem(v.online_until, v.version_label), '55000');
  full_data := app.form_full_data(f);
  result_judgment := nanbyo.judge(f.form_version_id, full_data);
  errors := result_judgment -> 'errors';
  IF jsonb_array_length(coalesce(errors, '[]')) > 0 THEN
    PERFORM app.raise('22023', 'E_FORM_HAS_ERRORS',
      format('入力に誤りが%s件あるため確定できません（%s）。', jsonb_array_length(errors),
             (SELECT string_agg(e ->> 'message', ' / ') FROM (
                SELECT e FROM jsonb_array_elements(errors) e LIMIT 3) first_errors)),
      (SELECT string_agg(e ->> 'item', ',') FROM jsonb_array_elements(errors) e));
  END IF;
  -- keep what the checks normalised (ISO dates, half-width codes) and the autofilled severity items
  PERFORM app.store_form_data(f, full_data || coalesce(result_judgment -> 'normalized_changes', '{}')
                                           || coalesce(result_judgment -> 'severity' -> 'autofilled', '{}'));
  UPDATE app.forms x SET status = 'confirmed', judgment = result_judgment, confirmed_at = now(),
                         confirmed_by = me.id, doctor_account_id = me.id
   WHERE x.id = f.id;
  PERFORM app.audit('form.confirm', 'success', 'form', f.id::text,
                    jsonb_build_object('primary_judgment', result_judgment ->> 'primary_judgment'));
  RETURN jsonb_build_object('id', f.id, 'status', 'confirmed', 'judgment', result_judgment);
END
$$;
COMMENT ON FUNCTION api.confirm_form(bigint) IS '票の確定（指定医）: エラーがあれば確定できない';
