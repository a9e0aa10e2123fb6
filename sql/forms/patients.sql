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

-- A warning, not a refusal (twins, namesakes exist): the hospital already
-- has a patient with the same reading, birth date and sex. [] or one
-- warning naming them.
CREATE OR REPLACE FUNCTION app.patient_duplicate_warnings(hospital bigint, name_kana text, birth_date date, sex text,
                                                          except_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'code', 'W_PATIENT_DUPLICATE',
           'message', format('同じ氏名カナ・生年月日・性別の患者が既に登録されています（患者ID: %s）。同じ方なら、その患者で票を作成してください。',
                             array_to_string(d.ids, ', ')),
           'patient_ids', to_jsonb(d.ids))), '[]')
    FROM (SELECT array_agg(p.id ORDER BY p.id) AS ids FROM app.patients p
           WHERE p.hospital_id = hospital AND p.name_kana = patient_duplicate_warnings.name_kana
             AND p.birth_date = patient_duplicate_warnings.birth_date AND p.sex = patient_duplicate_warnings.sex
             AND p.id IS DISTINCT FROM except_id) d
   WHERE d.ids IS NOT NULL
$$;

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
  -- (the reading as the register keeps it: half-width katakana made full-width;
  -- a postal code as the lookup reads it, sql/master/postal_codes.sql)
  name_kana := btrim(normalize(name_kana, NFKC));
  postal_code := app.typed_postal_code(postal_code);
  problem := app.patient_problem(name, name_kana, birth_date, sex, address, postal_code);
  PERFORM app.raise_problem(problem);
  INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, insurance, created_by)
  VALUES (hospital, btrim(name), name_kana, birth_date, sex, postal_code, btrim(address),
          app.checked_insurance(insurance), me.id)
  RETURNING id INTO patient_id;
  PERFORM app.audit('patient.register', 'success', 'patient', patient_id::text,
                    jsonb_build_object('hospital_id', hospital));
  RETURN jsonb_build_object('id', patient_id, 'hospital_id', hospital,
    'warnings', app.patient_duplicate_warnings(hospital, name_kana, birth_date, sex, patient_id));
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

-- ---------------------------------------------------------------------------
-- Patients as a resource (#17): find, read and correct a hospital's
-- patients, with or without forms. Reads run as the caller (the patients
-- policies decide which exist for them) and are audit-logged, so they are
-- POST; changes are kept in app.patient_history.

-- Every change of a patient's record is kept: the changed items and their
-- values before the change.
CREATE OR REPLACE FUNCTION app.patients_record_history()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  old_values jsonb := to_jsonb(OLD) - 'updated_at';
  new_values jsonb := to_jsonb(NEW) - 'updated_at';
  changed text[] := ARRAY(SELECT o.key FROM jsonb_each(old_values) o
                           WHERE o.value IS DISTINCT FROM new_values -> o.key ORDER BY o.key);
BEGIN
  IF cardinality(changed) > 0 THEN
    INSERT INTO app.patient_history (patient_id, actor_account_id, request_id, changed, before)
    VALUES (OLD.id, app.current_account_id(), app.current_request_id(), changed,
            (SELECT jsonb_object_agg(o.key, o.value) FROM jsonb_each(old_values) o WHERE o.key = ANY (changed)));
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS patients_record_history ON app.patients;
CREATE TRIGGER patients_record_history AFTER UPDATE ON app.patients
  FOR EACH ROW EXECUTE FUNCTION app.patients_record_history();
DROP TRIGGER IF EXISTS patients_touch ON app.patients;
CREATE TRIGGER patients_touch BEFORE UPDATE ON app.patients
  FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

CREATE OR REPLACE FUNCTION app.patient_history_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.raise('42501', 'E_HISTORY_APPEND_ONLY', '患者情報の変更履歴は変更・削除できません。');
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS patient_history_append_only ON app.patient_history;
CREATE TRIGGER patient_history_append_only BEFORE UPDATE OR DELETE ON app.patient_history
  FOR EACH ROW EXECUTE FUNCTION app.patient_history_append_only();

-- POST /rpc/search_patients: the patients the caller may see, by reading
-- (prefix), birth date and hospital, including patients without a form.
-- Complete, as api.search_forms: PostgREST's filters, order, paging and
-- count apply to the whole result; the read is logged with every patient
-- it could return.
CREATE TYPE api.patient_row AS (
  id bigint, hospital_id bigint, name text, name_kana text, birth_date date, sex text,
  postal_code text, address text, forms integer, updated_at timestamptz);
-- The patients that fit a search, as the caller sees them (RLS), ordered
-- by reading: one query for the audit entry and the answer.
CREATE OR REPLACE FUNCTION app.patients_found(name_kana text, birth_date date, hospital_id bigint)
RETURNS SETOF api.patient_row
LANGUAGE sql
STABLE
AS $$
  SELECT p.id, p.hospital_id, p.name, p.name_kana, p.birth_date, p.sex, p.postal_code, p.address,
         (SELECT count(*)::integer FROM app.forms f WHERE f.patient_id = p.id) AS forms, p.updated_at
    FROM app.patients p
   WHERE (patients_found.hospital_id IS NULL OR p.hospital_id = patients_found.hospital_id)
     AND (patients_found.birth_date IS NULL OR p.birth_date = patients_found.birth_date)
     AND (coalesce(patients_found.name_kana, '') = ''
          OR p.name_kana LIKE app.prefix_pattern(patients_found.name_kana))
$$;

-- Complete, like search_forms: every patient that fits, so PostgREST's
-- filters, order, Range and count apply to the whole; with "limit" and
-- "offset" the function pages itself (ids first, in one pass with the
-- count of every match, which X-Total-Count gives), so a large hospital's
-- page does not read every patient's row.
CREATE OR REPLACE FUNCTION api.search_patients(
  name_kana text DEFAULT NULL, birth_date date DEFAULT NULL, hospital_id bigint DEFAULT NULL,
  "limit" integer DEFAULT NULL, "offset" integer DEFAULT 0)
RETURNS SETOF api.patient_row
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kana text := btrim(normalize(search_patients.name_kana, NFKC));
  ids text[];
  total bigint;
BEGIN
  SELECT coalesce(array_agg(x.id::text ORDER BY x.name_kana, x.id), '{}'), max(x.total) INTO ids, total FROM (
    SELECT r.id, r.name_kana, count(*) OVER () AS total
      FROM app.patients_found(kana, search_patients.birth_date, search_patients.hospital_id) r
     ORDER BY r.name_kana, r.id
     LIMIT CASE WHEN search_patients."limit" IS NOT NULL THEN greatest(search_patients."limit", 0) END
     OFFSET greatest(coalesce(search_patients."offset", 0), 0)) x;
  IF total IS NULL AND (coalesce(search_patients."offset", 0) > 0 OR search_patients."limit" IS NOT NULL) THEN
    total := (SELECT count(*) FROM app.patients_found(kana, search_patients.birth_date, search_patients.hospital_id));
  END IF;
  PERFORM app.add_response_header('X-Total-Count', coalesce(total, 0)::text);
  PERFORM app.audit_read('patients', 'patient', ids,
    jsonb_strip_nulls(jsonb_build_object('name_kana', app.audit_value_hash(search_patients.name_kana),
      'birth_date', app.audit_value_hash(search_patients.birth_date::text), 'matched', cardinality(ids))));
  -- the rows of exactly the patients logged, in their order
  RETURN QUERY
    SELECT r.* FROM unnest(ids) WITH ORDINALITY AS u (id, n)
     CROSS JOIN LATERAL (SELECT * FROM app.patients_found(kana, search_patients.birth_date, search_patients.hospital_id) x
                          WHERE x.id = u.id::bigint) r
     ORDER BY u.n;
END
$$;
COMMENT ON FUNCTION api.search_patients(text, date, bigint, integer, integer) IS '患者の検索（氏名カナ・生年月日・医療機関）: 票のない患者も';

-- POST /rpc/get_patient: one patient the caller may see, with insurance,
-- forms and the history of changes (who, when, which items).
CREATE OR REPLACE FUNCTION api.get_patient(patient_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p app.patients;
BEGIN
  SELECT * INTO p FROM app.patients x WHERE x.id = get_patient.patient_id;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_PATIENT_NOT_FOUND', '患者が見つかりません。');
  END IF;
  PERFORM app.audit_read('patient', 'patient', ARRAY[p.id::text]);
  RETURN jsonb_build_object(
    'id', p.id, 'hospital_id', p.hospital_id, 'name', p.name, 'name_kana', p.name_kana,
    'birth_date', p.birth_date, 'sex', p.sex, 'postal_code', p.postal_code, 'address', p.address,
    'insurance', p.insurance, 'created_at', p.created_at, 'updated_at', p.updated_at,
    'forms', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'disease_code', f.disease_code,
                'status', f.status, 'fiscal_year', f.fiscal_year, 'updated_at', f.updated_at) ORDER BY f.id), '[]')
                FROM app.forms f WHERE f.patient_id = p.id),
    'history', app.patient_history_summary(p.id));
END
$$;
COMMENT ON FUNCTION api.get_patient(bigint) IS '患者情報の参照（票の一覧と変更履歴つき）';

CREATE OR REPLACE FUNCTION app.patient_history_summary(patient_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('at', h.at, 'changed', to_jsonb(h.changed), 'by', a.name,
                                               'by_role', a.role) ORDER BY h.id), '[]')
    FROM app.patient_history h LEFT JOIN app.accounts a ON a.id = h.actor_account_id
   WHERE h.patient_id = patient_history_summary.patient_id
$$;

-- POST /rpc/update_patient (doctor, clerk of the patient's hospital): a
-- correction of the patient's record; items left out stay as they are.
-- The register's rule applies as at registration; last year's forms keep
-- the personal items they were written with (app.form_personal).
CREATE OR REPLACE FUNCTION api.update_patient(
  patient_id bigint, name text DEFAULT NULL, name_kana text DEFAULT NULL, birth_date date DEFAULT NULL,
  sex text DEFAULT NULL, address text DEFAULT NULL, postal_code text DEFAULT NULL, insurance jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  p app.patients;
  problem text;
BEGIN
  SELECT * INTO p FROM app.patients x WHERE x.id = patient_id FOR UPDATE;
  IF NOT FOUND OR NOT app.writes_forms_at(me, p.hospital_id) THEN
    PERFORM app.raise('P0002', 'E_PATIENT_NOT_FOUND', '患者が見つかりません。');
  END IF;
  p.name := coalesce(btrim(name), p.name);
  p.name_kana := coalesce(btrim(normalize(name_kana, NFKC)), p.name_kana);
  p.birth_date := coalesce(birth_date, p.birth_date);
  p.sex := coalesce(sex, p.sex);
  p.address := coalesce(btrim(address), p.address);
  p.postal_code := coalesce(app.typed_postal_code(postal_code), p.postal_code);
  p.insurance := CASE WHEN insurance IS NULL THEN p.insurance ELSE app.checked_insurance(insurance) END;
  problem := app.patient_problem(p.name, p.name_kana, p.birth_date, p.sex, p.address, p.postal_code);
  PERFORM app.raise_problem(problem);
  UPDATE app.patients x
     SET name = p.name, name_kana = p.name_kana, birth_date = p.birth_date, sex = p.sex,
         address = p.address, postal_code = p.postal_code, insurance = p.insurance
   WHERE x.id = p.id;
  PERFORM app.audit('patient.update', 'success', 'patient', p.id::text, jsonb_build_object(
    'changed', (SELECT to_jsonb(h.changed) FROM app.patient_history h WHERE h.patient_id = p.id
                 AND h.request_id IS NOT DISTINCT FROM app.current_request_id() ORDER BY h.id DESC LIMIT 1)));
  RETURN jsonb_build_object('id', p.id, 'hospital_id', p.hospital_id,
    'warnings', app.patient_duplicate_warnings(p.hospital_id, p.name_kana, p.birth_date, p.sex, p.id));
END
$$;
COMMENT ON FUNCTION api.update_patient(bigint, text, text, date, text, text, text, jsonb) IS
  '患者情報の修正（医療機関）: 変更は履歴に残る';
