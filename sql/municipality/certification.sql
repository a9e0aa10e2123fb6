-- The municipality's certification decision on a taken-over form (C2, issue
-- #19) and the patient's written research-use consent (B11): the API, and
-- the certification as every reader of the form sees it. The rules and the
-- write are sql/municipality/certification_rules.sql; grants in
-- policies/municipality/certification.sql.

-- The form's municipality (its staff or admin) is the caller.
CREATE OR REPLACE FUNCTION app.caller_is_forms_municipality(f app.forms)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT f.municipality_id IS NOT NULL AND EXISTS (
    SELECT FROM app.accounts a
     WHERE a.id = app.current_account_id() AND a.deleted_at IS NULL
       AND a.role IN ('municipality_staff', 'municipality_admin') AND a.organisation_id = f.municipality_id)
$$;

-- The certification object of a form's answers (get_form, fetch_form_by_key,
-- take_over_form, record_certification): null when nothing is recorded.
-- The form's municipality sees all of it; any other reader of the form (the
-- doctor, another hospital's doctor with the key, the operator) sees only
-- the outcome, the refusal reason, 登録者証 eligibility and the validity
-- period: the numbers, the tier and cap, the 行政記載欄 and the research
-- consent stay with the municipality.
CREATE OR REPLACE FUNCTION app.certification_document(f app.forms)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN c.form_id IS NULL AND (r.form_id IS NULL OR NOT app.caller_is_forms_municipality(f)) THEN NULL
    WHEN NOT app.caller_is_forms_municipality(f) THEN jsonb_build_object(
      'scope', 'outcome',
      'outcome', c.outcome, 'refusal_reason', c.refusal_reason,
      'registration_card_eligible', c.registration_card_eligible,
      'valid_from', c.valid_from, 'valid_until', c.valid_until)
    ELSE jsonb_build_object(
      'scope', 'municipality',
      'outcome', c.outcome, 'refusal_reason', c.refusal_reason, 'refusal_note', c.refusal_note,
      'registration_card_eligible', coalesce(c.registration_card_eligible, false),
      'recipient_number', c.recipient_number, 'public_payer_number', c.public_payer_number,
      'application_received_on', c.application_received_on,
      'valid_from', c.valid_from, 'valid_until', c.valid_until, 'early_start_reason', c.early_start_reason,
      'income_tier', c.income_tier, 'special_case', c.special_case, 'monthly_cap_yen', c.monthly_cap_yen,
      'admin_box', coalesce(c.admin_box, '{}'),
      'recorded_at', c.recorded_at, 'recorded_by', (SELECT a.name FROM app.accounts a WHERE a.id = c.recorded_by),
      'research_consent', CASE WHEN r.form_id IS NOT NULL THEN jsonb_build_object(
        'consented_on', r.consented_on, 'recorded_at', r.recorded_at,
        'recorded_by', (SELECT a.name FROM app.accounts a WHERE a.id = r.recorded_by),
        'withdrawn_on', r.withdrawn_on, 'active', r.withdrawn_on IS NULL) END)
    END
    FROM (SELECT f.id) x
    LEFT JOIN app.certifications c ON c.form_id = x.id
    LEFT JOIN app.research_consents r ON r.form_id = x.id
$$;

-- POST /rpc/record_certification {"form_id", "certification"} (the form's
-- municipality): records (or replaces) the certification decision; the form
-- becomes 'reviewed' with the outcome as its review result. The first rule
-- broken is the error (400, its code and field in "hint"); every rule is
-- listed by api.check_certification.
CREATE OR REPLACE FUNCTION api.record_certification(form_id bigint, certification jsonb)
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
  IF certification IS NULL OR jsonb_typeof(certification) <> 'object' THEN
    PERFORM app.raise('22023', 'E_CERT_INPUT', '認定結果は項目 → 値のJSONオブジェクトで指定してください。');
  END IF;
  IF f.status NOT IN ('taken_over', 'reviewed') THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', '自治体が受け付けた（登録前の）票だけに認定結果を記録できます。');
  END IF;
  PERFORM app.apply_certification(ARRAY[f.id], ARRAY[certification]);
  SELECT * INTO f FROM app.forms x WHERE x.id = f.id;
  RETURN jsonb_build_object('id', f.id, 'status', f.status, 'review_result', f.review_result,
                            'certification', app.certification_document(f));
END
$$;
COMMENT ON FUNCTION api.record_certification(bigint, jsonb) IS
  '認定結果の記録（自治体）: 認定・不認定・保留、受給者番号、公費負担者番号、有効期間、階層区分、特例区分、行政記載欄。自己負担上限月額と登録者証の対象はDBが決める';

-- POST /rpc/check_certification {"form_id", "certification"} (the form's
-- municipality): every rule the certification would break, nothing written.
CREATE OR REPLACE FUNCTION api.check_certification(form_id bigint, certification jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  -- (the same "a form this municipality took over, else 404" as a write)
  f app.forms := app.municipality_form_for_update(me, form_id);
BEGIN
  IF certification IS NULL OR jsonb_typeof(certification) <> 'object' THEN
    PERFORM app.raise('22023', 'E_CERT_INPUT', '認定結果は項目 → 値のJSONオブジェクトで指定してください。');
  END IF;
  PERFORM app.audit_read('certification_check', 'form', ARRAY[f.id::text]);
  RETURN jsonb_build_object('problems', coalesce((
    SELECT jsonb_agg(jsonb_build_object('field', p.field, 'code', p.code, 'message', p.message))
      FROM app.certification_problems(f, certification) p), '[]'));
END
$$;
COMMENT ON FUNCTION api.check_certification(bigint, jsonb) IS '認定結果の検査（自治体）: 破る規則をすべて返す。何も記録しない';

-- POST /rpc/record_research_consent {"form_id", "consented_on"} (the form's
-- municipality): the patient's written consent to research use (B11); a
-- later research extraction takes only forms with a consent not withdrawn.
-- Recording it again after a withdrawal records a new consent.
CREATE OR REPLACE FUNCTION api.record_research_consent(form_id bigint, consented_on date)
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
  IF consented_on IS NULL THEN
    PERFORM app.raise('22023', 'E_CONSENT_DATE_REQUIRED', '同意書の日付（同意日）を入力してください。');
  END IF;
  IF consented_on > current_date THEN
    PERFORM app.raise('22023', 'E_CONSENT_DATE_FUTURE', '同意日に今日より後の日付は入力できません。');
  END IF;
  INSERT INTO app.research_consents AS r (form_id, consented_on, recorded_by, recorded_at)
  VALUES (f.id, consented_on, me.id, now())
  ON CONFLICT ON CONSTRAINT research_consents_pkey DO UPDATE SET
    consented_on = excluded.consented_on, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at,
    withdrawn_on = NULL, withdrawn_by = NULL, withdrawn_at = NULL;
  PERFORM app.audit('form.research_consent', 'success', 'form', f.id::text,
                    jsonb_build_object('consented_on', consented_on));
  RETURN jsonb_build_object('id', f.id, 'certification', app.certification_document(f));
END
$$;
COMMENT ON FUNCTION api.record_research_consent(bigint, date) IS '研究利用への同意（書面）の記録（自治体）';

-- POST /rpc/withdraw_research_consent {"form_id", "withdrawn_on"} (the
-- form's municipality): the patient withdrew the consent.
CREATE OR REPLACE FUNCTION api.withdraw_research_consent(form_id bigint, withdrawn_on date DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.municipality_form_for_update(me, form_id);
  r app.research_consents;
  day date := coalesce(withdrawn_on, current_date);
BEGIN
  SELECT * INTO r FROM app.research_consents x WHERE x.form_id = f.id;
  IF NOT FOUND OR r.withdrawn_on IS NOT NULL THEN
    PERFORM app.raise('55000', 'E_CONSENT_NOT_RECORDED', 'この票には有効な研究利用への同意が記録されていません。');
  END IF;
  IF day > current_date THEN
    PERFORM app.raise('22023', 'E_CONSENT_DATE_FUTURE', '撤回日に今日より後の日付は入力できません。');
  END IF;
  IF day < r.consented_on THEN
    PERFORM app.raise('22023', 'E_CONSENT_WITHDRAWN_BEFORE', format('撤回日は同意日（%s）より前にできません。', r.consented_on));
  END IF;
  UPDATE app.research_consents x SET withdrawn_on = day, withdrawn_by = me.id, withdrawn_at = now()
   WHERE x.form_id = f.id;
  PERFORM app.audit('form.research_consent_withdraw', 'success', 'form', f.id::text,
                    jsonb_build_object('withdrawn_on', day));
  RETURN jsonb_build_object('id', f.id, 'certification', app.certification_document(f));
END
$$;
COMMENT ON FUNCTION api.withdraw_research_consent(bigint, date) IS '研究利用への同意の撤回の記録（自治体）';

-- The forms whose research use the patient consented to in writing (not
-- withdrawn): what the research extraction (D3) may take.
CREATE OR REPLACE FUNCTION app.research_consented_form_ids()
RETURNS SETOF bigint
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.form_id FROM app.research_consents r WHERE r.withdrawn_on IS NULL
$$;
