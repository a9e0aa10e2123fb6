-- A8 secondary hospitals (兼務先): a doctor applies to see and edit the forms
-- of another hospital's patients; that hospital's admin approves or rejects.
-- An approved link adds the hospital to app.current_hospital_ids().

-- GET /secondary_hospitals: applications the caller may see (their own as a
-- doctor; those to their hospital as its staff; all for the operator).
CREATE OR REPLACE VIEW api.secondary_hospitals
WITH (security_invoker = true) AS
SELECT s.id, s.account_id, a.login_id AS doctor_login_id, a.name AS doctor_name,
       s.hospital_id, h.code AS medical_institution_code, h.name AS hospital_name,
       s.status, s.applied_at, s.decided_at
  FROM app.secondary_hospitals s
  LEFT JOIN app.accounts a ON a.id = s.account_id
  LEFT JOIN app.organisations h ON h.id = s.hospital_id;
COMMENT ON VIEW api.secondary_hospitals IS '兼務先の申請と承認状況';

-- POST /rpc/apply_secondary_hospital {"medical_institution_code"} (doctor).
CREATE OR REPLACE FUNCTION api.apply_secondary_hospital(medical_institution_code text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  h app.organisations;
  application_id bigint;
BEGIN
  IF me.role <> 'doctor' THEN
    PERFORM app.raise('42501', 'E_NOT_A_DOCTOR', '兼務先を申請できるのは指定医です。');
  END IF;
  SELECT * INTO h FROM app.organisations o
   WHERE o.kind = 'hospital' AND o.code = apply_secondary_hospital.medical_institution_code;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_UNKNOWN_HOSPITAL',
      format('医療機関コード %s の医療機関は登録されていません。', medical_institution_code));
  END IF;
  IF h.id = me.organisation_id THEN
    PERFORM app.raise('22023', 'E_OWN_HOSPITAL', '主たる医療機関は兼務先にできません。');
  END IF;
  IF EXISTS (SELECT FROM app.secondary_hospitals s
              WHERE s.account_id = me.id AND s.hospital_id = h.id AND s.status IN ('applied', 'approved')) THEN
    PERFORM app.raise('23505', 'E_ALREADY_APPLIED', format('「%s」には申請済みまたは承認済みです。', h.name));
  END IF;
  INSERT INTO app.secondary_hospitals (account_id, hospital_id) VALUES (me.id, h.id)
  RETURNING id INTO application_id;
  PERFORM app.audit('secondary_hospital.apply', 'success', 'secondary_hospital', application_id::text,
                    jsonb_build_object('hospital_id', h.id));
  RETURN jsonb_build_object('id', application_id, 'hospital_id', h.id, 'hospital_name', h.name, 'status', 'applied');
END
$$;
COMMENT ON FUNCTION api.apply_secondary_hospital(text) IS '兼務先の申請（指定医）';

-- POST /rpc/decide_secondary_hospital {"application_id", "approve"}
-- (the admin of the secondary hospital).
CREATE OR REPLACE FUNCTION api.decide_secondary_hospital(application_id bigint, approve boolean)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  s app.secondary_hospitals;
  new_status text := CASE WHEN approve THEN 'approved' ELSE 'rejected' END;
BEGIN
  SELECT * INTO s FROM app.secondary_hospitals x WHERE x.id = application_id FOR UPDATE;
  IF NOT FOUND OR NOT (me.is_hospital_admin AND me.organisation_id = s.hospital_id) THEN
    PERFORM app.raise('42501', 'E_NOT_HOSPITAL_ADMIN', '兼務先の申請を承認・却下できるのは、申請先医療機関の責任者です。');
  END IF;
  IF approve IS NULL THEN
    PERFORM app.raise('22023', 'E_DECISION_REQUIRED', '承認（true）か却下（false）を指定してください。');
  END IF;
  IF s.status <> 'applied' THEN
    PERFORM app.raise('22023', 'E_ALREADY_DECIDED', 'この申請は既に処理されています。');
  END IF;
  UPDATE app.secondary_hospitals x SET status = new_status, decided_at = now(), decided_by = me.id
   WHERE x.id = s.id;
  PERFORM app.audit('secondary_hospital.' || CASE WHEN approve THEN 'approve' ELSE 'reject' END, 'success',
                    'secondary_hospital', s.id::text, jsonb_build_object('doctor_account_id', s.account_id));
  RETURN jsonb_build_object('id', s.id, 'status', new_status);
END
$$;
COMMENT ON FUNCTION api.decide_secondary_hospital(bigint, boolean) IS '兼務先申請の承認・却下（申請先の責任者）';

-- POST /rpc/withdraw_secondary_hospital {"application_id"}: the doctor
-- withdraws, or the secondary hospital's admin ends the link.
CREATE OR REPLACE FUNCTION api.withdraw_secondary_hospital(application_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  s app.secondary_hospitals;
BEGIN
  SELECT * INTO s FROM app.secondary_hospitals x WHERE x.id = application_id FOR UPDATE;
  IF NOT FOUND OR NOT (s.account_id = me.id OR me.is_hospital_admin AND me.organisation_id = s.hospital_id) THEN
    PERFORM app.raise('42501', 'E_NOT_ALLOWED', 'この兼務先を取り下げる権限がありません。');
  END IF;
  IF s.status NOT IN ('applied', 'approved') THEN
    PERFORM app.raise('22023', 'E_ALREADY_DECIDED', 'この兼務先は既に終了しています。');
  END IF;
  UPDATE app.secondary_hospitals x SET status = 'withdrawn' WHERE x.id = s.id;
  PERFORM app.audit('secondary_hospital.withdraw', 'success', 'secondary_hospital', s.id::text,
                    jsonb_build_object('doctor_account_id', s.account_id, 'was', s.status));
  RETURN jsonb_build_object('id', s.id, 'status', 'withdrawn');
END
$$;
COMMENT ON FUNCTION api.withdraw_secondary_hospital(bigint) IS '兼務先の取下げ・終了';
