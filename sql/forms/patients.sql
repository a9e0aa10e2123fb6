-- Patients (B1, B11): the patient register's rule and POST
-- /rpc/register_patient.

-- What is wrong with a patient's personal data, as 'CODE:message', or
-- NULL: the patient register's one rule (the extension's, which the table's
-- check, the bulk import and nanbyo-check apply too), with birth dates
-- after today refused.
CREATE OR REPLACE FUNCTION app.patient_problem(name text, name_kana text, birth_date date, sex text,
                                               address text, postal_code text)
RETURNS text
LANGUAGE sql
STABLE
-- (no SET clause, so a query can inline it: the import checks each row)
AS $$ SELECT nanbyo.patient_problem(name, name_kana, birth_date, sex, address, postal_code, current_date) $$;

-- The patient block of a form (patient@1) filled from a patient record.
CREATE OR REPLACE FUNCTION app.patient_block(p app.patients)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'patient_name', p.name, 'patient_name_kana', p.name_kana,
    'patient_birth_date', to_char(p.birth_date, 'YYYY-MM-DD'), 'patient_sex', p.sex,
    'patient_postal_code', p.postal_code, 'patient_address', p.address))
$$;

-- What hospitals do with forms (B1–B3, B10, B11): register a patient, draft a
-- form, comment, confirm, issue the access key.

-- POST /rpc/register_patient (doctor, clerk): a patient of the caller's
-- hospital (or, for a doctor, of an approved secondary hospital).
CREATE OR REPLACE FUNCTION api.register_patient(
  name text, name_kana text, birth_date date, sex text, address text,
  postal_code text DEFAULT NULL, insurance jsonb DEFAULT '{}', hospital_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  hospital bigint := coalesce(hospital_id, me.organisation_id);
  patient_id bigint;
  problem text;
BEGIN
  IF NOT app.writes_forms_at(me, hospital) THEN
    PERFORM app.raise('42501', 'E_NOT_HOSPITAL_STAFF', 'この医療機関の患者は登録できません。');
  END IF;
  -- (the reading as the register keeps it: half-width katakana made full-width)
  name_kana := btrim(normalize(name_kana, NFKC));
  problem := app.patient_problem(name, name_kana, birth_date, sex, address, postal_code);
  IF problem IS NOT NULL THEN
    PERFORM app.raise('22023', split_part(problem, ':', 1), substr(problem, strpos(problem, ':') + 1));
  END IF;
  INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, insurance, created_by)
  VALUES (hospital, btrim(name), name_kana, birth_date, sex, postal_code, btrim(address),
          app.checked_insurance(insurance), me.id)
  RETURNING id INTO patient_id;
  PERFORM app.audit('patient.register', 'success', 'patient', patient_id::text,
                    jsonb_build_object('hospital_id', hospital));
  RETURN jsonb_build_object('id', patient_id, 'hospital_id', hospital);
END
$$;
COMMENT ON FUNCTION api.register_patient(text, text, date, text, text, text, jsonb, bigint) IS '患者の登録（医療機関）';

-- The doctor responsible for a new form: the caller if a doctor, else the
-- named doctor, who must write forms at the hospital for the program.
-- The insurance of a patient record: a flat object of at most 20 short values.
CREATE OR REPLACE FUNCTION app.checked_insurance(insurance jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  insurance := app.require_object(coalesce(insurance, '{}'));
  IF (SELECT count(*) FROM jsonb_object_keys(insurance)) > 20
     OR EXISTS (SELECT FROM jsonb_each(insurance) e
                 WHERE length(e.key) > 50 OR jsonb_typeof(e.value) = 'array' OR length(e.value #>> '{}') > 100) THEN
    PERFORM app.raise('22023', 'E_INSURANCE_INVALID',
      '保険情報は20項目以内、各100文字以内の文字・数値で指定してください。');
  END IF;
  RETURN insurance;
END
$$;
