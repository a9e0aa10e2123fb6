-- B9/C4 bulk registration: a hospital system (or a contractor keying paper
-- forms) uploads a bulk-registration XML file (docs/bulk-xml.md). The file
-- is streamed by nanbyo.read_forms_xml, which runs the same checks as online
-- entry and the offline check tool. Semantics:
--   * a malformed or hostile file is refused whole (line and column named);
--   * each valid form is stored as a draft, or confirmed when the file says
--     so and the uploader is that form's doctor;
--   * a rejected form writes nothing (each form is its own subtransaction);
--   * uploading the same file again creates no duplicates: forms are
--     idempotent on (hospital, external record id).

-- The largest file one upload may be (a year of a large hospital's forms).
CREATE OR REPLACE FUNCTION app.bulk_max_bytes()
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 512 * 1024 * 1024::bigint $$;

-- Which external record of which hospital became which form.
CREATE TABLE IF NOT EXISTS app.form_imports (
  hospital_id  bigint NOT NULL REFERENCES app.organisations (id),
  external_id  text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 100),
  form_id      bigint NOT NULL REFERENCES app.forms (id),
  -- the scan a contractor keyed the form from (paper path, C4)
  scan         text,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  imported_by  bigint NOT NULL REFERENCES app.accounts (id),
  PRIMARY KEY (hospital_id, external_id)
);
CREATE INDEX IF NOT EXISTS form_imports_form ON app.form_imports (form_id);
COMMENT ON TABLE app.form_imports IS '一括登録: 医療機関の記録IDと票の対応（再送で重複しない）';

-- The patient of an imported form: the hospital's record with the same
-- name, reading, birth date and sex, or a new one.
CREATE OR REPLACE FUNCTION app.import_patient(me app.accounts, hospital bigint, data jsonb)
RETURNS app.patients
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p app.patients;
BEGIN
  SELECT * INTO p FROM app.patients x
   WHERE x.hospital_id = hospital AND x.name_kana = data ->> 'patient_name_kana'
     AND x.birth_date = (data ->> 'patient_birth_date')::date AND x.name = data ->> 'patient_name'
     AND x.sex = data ->> 'patient_sex'
   ORDER BY x.id LIMIT 1;
  IF NOT FOUND THEN
    INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, created_by)
    VALUES (hospital, data ->> 'patient_name', data ->> 'patient_name_kana', (data ->> 'patient_birth_date')::date,
            data ->> 'patient_sex', data ->> 'patient_postal_code', data ->> 'patient_address', me.id)
    RETURNING * INTO p;
  END IF;
  RETURN p;
END
$$;

-- Stores one checked form record of nanbyo.read_forms_xml; the result row
-- of the import report.
CREATE OR REPLACE FUNCTION app.import_form(me app.accounts, hospital app.organisations, header_doctor text, rec jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result jsonb := jsonb_build_object('index', rec -> 'index', 'external_id', rec -> 'external_id',
                                     'line', rec -> 'line', 'column', rec -> 'column', 'problems', rec -> 'problems');
  existing bigint;
  v app.form_versions;
  doctor app.accounts;
  p app.patients;
  f app.forms;
  confirm boolean := rec ->> 'status' = 'confirmed';
  refusal text;
  message text;
  code text;
BEGIN
  IF NOT (rec ->> 'accepted')::boolean THEN
    RETURN result || '{"result": "rejected"}';
  END IF;
  SELECT form_id INTO existing FROM app.form_imports i
   WHERE i.hospital_id = hospital.id AND i.external_id = rec ->> 'external_id';
  IF FOUND THEN
    RETURN result || jsonb_build_object('result', 'duplicate', 'form_id', existing);
  END IF;
  SELECT * INTO v FROM app.form_versions x
   WHERE x.disease_code = rec ->> 'disease' AND x.version_label = rec ->> 'version';
  SELECT * INTO doctor FROM app.accounts a
   WHERE a.role = 'doctor' AND a.deleted_at IS NULL AND a.program = v.program
     AND a.designated_doctor_number = coalesce(rec ->> 'doctor', header_doctor)
     AND app.writes_forms_at(a, hospital.id)
   LIMIT 1;
  refusal := CASE
    WHEN doctor.id IS NULL THEN
      format('E_DOCTOR_UNKNOWN:指定医番号「%s」の指定医はこの医療機関にいません（form要素かheader要素の doctor 属性）。',
             coalesce(rec ->> 'doctor', header_doctor, ''))
    WHEN v.online_until IS NOT NULL AND v.online_until < current_date THEN
      format('E_FORM_VERSION_CLOSED:様式「%s」はオンラインで登録できる期間を過ぎています。', v.version_label)
    WHEN confirm AND me.id <> doctor.id THEN
      'E_CONFIRM_NEEDS_DOCTOR:確定（status="confirmed"）で登録できるのは、その票の指定医が自分で送信するときだけです。'
    WHEN confirm AND doctor.doctor_kind = 'cooperating' AND rec ->> 'purpose' <> 'renewal' THEN
      'E_COOPERATING_RENEWAL_ONLY:協力難病指定医が確定できるのは更新申請の票だけです。'
    WHEN me.role = 'contractor' AND coalesce(rec ->> 'scan', '') = '' THEN
      'E_SCAN_REQUIRED:外部委託事業者の登録では、form要素の scan 属性に元のスキャン（紙の票）を指定してください。'
  END;
  IF refusal IS NOT NULL THEN
    RETURN result || jsonb_build_object('result', 'rejected', 'problems', (rec -> 'problems') || jsonb_build_array(
      jsonb_build_object('severity', 'error', 'code', split_part(refusal, ':', 1),
                         'message', substr(refusal, strpos(refusal, ':') + 1), 'item', NULL,
                         'line', rec -> 'line', 'column', rec -> 'column')));
  END IF;
  BEGIN
    p := app.import_patient(me, hospital.id, (rec -> 'personal') || (rec -> 'clinical'));
    -- one insert per table: the extension already split and normalised the data
    INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                           created_by, purpose, consent_db_registration, consent_recorded_at, fiscal_year,
                           status, data, judgment, confirmed_at, confirmed_by)
    VALUES (p.id, v.id, v.disease_code, v.program, hospital.id, doctor.id, me.id, rec ->> 'purpose',
            (rec ->> 'consent_db_registration')::boolean,
            CASE WHEN (rec ->> 'consent_db_registration')::boolean THEN now() END, app.fiscal_year(current_date),
            CASE WHEN confirm THEN 'confirmed' ELSE 'draft' END, rec -> 'clinical',
            CASE WHEN confirm THEN rec -> 'judgment' END, CASE WHEN confirm THEN now() END,
            CASE WHEN confirm THEN me.id END)
    RETURNING * INTO f;
    INSERT INTO app.form_personal (form_id, data) VALUES (f.id, rec -> 'personal');
    INSERT INTO app.form_imports (hospital_id, external_id, form_id, scan, imported_by)
    VALUES (hospital.id, rec ->> 'external_id', f.id, rec ->> 'scan', me.id);
    PERFORM app.audit('form.import', 'success', 'form', f.id::text,
                      jsonb_build_object('external_id', rec ->> 'external_id', 'status', rec ->> 'status'));
    RETURN result || jsonb_build_object('result', 'accepted', 'form_id', f.id,
                                        'status', CASE WHEN confirm THEN 'confirmed' ELSE 'draft' END);
  EXCEPTION WHEN OTHERS THEN
    -- whatever failed, this form wrote nothing; the others go on
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, code = PG_EXCEPTION_DETAIL;
    RETURN result || jsonb_build_object('result', 'rejected', 'problems', (rec -> 'problems') || jsonb_build_array(
      jsonb_build_object('severity', 'error', 'code', CASE WHEN code ~ '^E_[A-Z_]+$' THEN code ELSE 'E_IMPORT' END,
                         'message', message, 'item', NULL, 'line', rec -> 'line', 'column', rec -> 'column')));
  END;
END
$$;

-- POST /rpc/import_forms_xml with the XML file as the body and
-- `Content-Type: text/plain` (doctor and clerk: their hospital's files;
-- contractor: keyed paper forms, each naming its scan). Answers the
-- per-form report as JSON.
CREATE OR REPLACE FUNCTION api.import_forms_xml(text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  rec jsonb;
  hospital app.organisations;
  header_doctor text;
  results jsonb[] := '{}';
  r jsonb;
  accepted integer := 0;
  rejected integer := 0;
  duplicates integer := 0;
BEGIN
  -- (no btrim here: on a multibyte text it costs ~12 times the file in memory;
  -- a file of only whitespace is E_XML_EMPTY from the reader)
  IF $1 IS NULL OR octet_length($1) = 0 THEN
    PERFORM app.raise('22023', 'E_XML_EMPTY', 'ファイルが空です。');
  END IF;
  IF octet_length($1) > app.bulk_max_bytes() THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。ファイルを分けてください。', app.bulk_max_bytes() / 1024 / 1024));
  END IF;
  -- In FROM, the set-returning function's rows go to a tuplestore that
  -- spills to disk, and its per-row memory is reset between rows: memory
  -- does not grow with the file.
  FOR rec IN SELECT x FROM nanbyo.read_forms_xml($1) AS x LOOP
    IF rec ->> 'kind' = 'header' THEN
      IF jsonb_array_length(rec -> 'problems') > 0 THEN
        PERFORM app.raise('22023', rec -> 'problems' -> 0 ->> 'code', rec -> 'problems' -> 0 ->> 'message');
      END IF;
      SELECT * INTO hospital FROM app.organisations o WHERE o.kind = 'hospital' AND o.code = rec ->> 'hospital';
      IF NOT FOUND THEN
        PERFORM app.raise('22023', 'E_UNKNOWN_HOSPITAL',
          format('医療機関コード %s の医療機関は登録されていません。', rec ->> 'hospital'));
      END IF;
      IF me.role <> 'contractor' AND NOT app.writes_forms_at(me, hospital.id) THEN
        PERFORM app.raise('42501', 'E_NOT_HOSPITAL_STAFF',
          format('「%s」の票は登録できません（自分の医療機関のファイルだけを送信できます）。', hospital.name));
      END IF;
      header_doctor := rec ->> 'doctor';
      CONTINUE;
    END IF;
    r := app.import_form(me, hospital, header_doctor, rec);
    CASE r ->> 'result'
      WHEN 'accepted' THEN accepted := accepted + 1;
      WHEN 'duplicate' THEN duplicates := duplicates + 1;
      ELSE rejected := rejected + 1;
    END CASE;
    results := results || r;
  END LOOP;
  PERFORM app.audit('bulk.import', 'success', 'organisation', hospital.id::text,
    jsonb_build_object('forms', cardinality(results), 'accepted', accepted, 'rejected', rejected,
                       'duplicates', duplicates));
  RETURN jsonb_build_object('hospital', jsonb_build_object('id', hospital.id, 'code', hospital.code, 'name', hospital.name),
                            'forms', cardinality(results), 'accepted', accepted, 'rejected', rejected,
                            'duplicates', duplicates, 'results', to_jsonb(results));
END
$$;
COMMENT ON FUNCTION api.import_forms_xml(text) IS
  '一括登録（XML）: 票ごとの受付結果を返す。再送しても重複しない';
