-- Carry-over (B2, 前回値踏襲): this year's draft from last year's form.

-- Carry-overs in the last hour above which the operator is told (B2).
CREATE OR REPLACE FUNCTION app.carry_over_flag_threshold()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 50 $$;

-- POST /rpc/carry_over_form {"source_form_id" | "access_key", "purpose"}
-- (doctor, clerk; B2): this year's draft from the patient's earlier form of
-- the same disease, on the version in force. A form of the caller's
-- hospitals is named by id; a form of another hospital by its access key
-- (the patient's consent), which also registers the patient here.
CREATE OR REPLACE FUNCTION api.carry_over_form(
  source_form_id bigint DEFAULT NULL, access_key text DEFAULT NULL, purpose text DEFAULT 'renewal',
  doctor_account_id bigint DEFAULT NULL, consent_db_registration boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  source app.forms;
  lookup record;
  p app.patients;
  v app.form_versions;
  carried jsonb;
  f app.forms;
  recent integer;
BEGIN
  IF me.role NOT IN ('doctor', 'clerk') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '前回値踏襲は医療機関の指定医・クラークが行います。');
  END IF;
  IF access_key IS NOT NULL AND me.role <> 'doctor' THEN
    -- B7: another hospital's form is opened with the patient's consent by a doctor
    PERFORM app.raise('42501', 'E_DOCTOR_ONLY',
      'アクセスキーで他の医療機関の票から前回値踏襲できるのは指定医だけです。');
  END IF;
  IF (source_form_id IS NULL) = (access_key IS NULL) THEN
    PERFORM app.raise('22023', 'E_CARRY_OVER_SOURCE', '元の票を source_form_id か access_key のどちらか一方で指定してください。');
  END IF;
  IF source_form_id IS NOT NULL THEN
    SELECT * INTO source FROM app.forms x WHERE x.id = source_form_id;
    IF NOT FOUND OR NOT app.writes_forms_at(me, source.hospital_id) THEN
      PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
    END IF;
    SELECT * INTO p FROM app.patients x WHERE x.id = source.patient_id;
  ELSE
    SELECT * INTO lookup FROM app.form_by_access_key(me, access_key, 'carry_over');
    IF lookup.refusal IS NOT NULL THEN
      RETURN lookup.refusal;
    END IF;
    source := lookup.form;
    IF app.writes_forms_at(me, source.hospital_id) THEN
      SELECT * INTO p FROM app.patients x WHERE x.id = source.patient_id;
    ELSE
      -- the patient comes to this hospital: register them from the patient record
      INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, created_by)
      SELECT me.organisation_id, x.name, x.name_kana, x.birth_date, x.sex, x.postal_code, x.address, me.id
        FROM app.patients x WHERE x.id = source.patient_id
      RETURNING * INTO p;
      PERFORM app.audit('patient.register', 'success', 'patient', p.id::text,
                        jsonb_build_object('from_form_id', source.id));
    END IF;
  END IF;
  IF source.status = 'draft' THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', '下書きの票からは前回値踏襲できません。');
  END IF;
  v := app.registrable_form_version(source.disease_code);
  carried := nanbyo.carry_over(source.form_version_id, v.id, app.form_full_data(source));
  -- a clerk's carry-over goes to last year's doctor unless another is named
  f := app.create_draft(me, p, v, source.disease_code, purpose,
                        app.form_doctor(me, coalesce(doctor_account_id,
                                                     CASE WHEN me.role = 'clerk' THEN source.doctor_account_id END),
                                        p.hospital_id, v.program),
                        consent_db_registration, carried -> 'data', source.id);
  PERFORM app.audit('form.carry_over', 'success', 'form', f.id::text,
    jsonb_build_object('source_form_id', source.id, 'copied', jsonb_array_length(carried -> 'copied'),
                       'dropped', carried -> 'dropped', 'via', CASE WHEN access_key IS NULL THEN 'form' ELSE 'access_key' END));
  SELECT count(*) INTO recent FROM app.audit_log l
   WHERE l.actor_account_id = me.id AND l.action = 'form.carry_over' AND l.at > now() - interval '1 hour';
  IF recent > app.carry_over_flag_threshold() THEN
    PERFORM app.flag_for_operator(me.id, 'carry_over_volume', jsonb_build_object('last_hour', recent));
  END IF;
  RETURN app.form_answer(f.id) || jsonb_build_object(
    'carried_over_from', source.id, 'copied', carried -> 'copied',
    'dropped', carried -> 'dropped', 'new_items', carried -> 'new_items');
END
$$;
COMMENT ON FUNCTION api.carry_over_form(bigint, text, text, bigint, boolean) IS '前回値踏襲: 前回の票から今年度の下書きを作る';
