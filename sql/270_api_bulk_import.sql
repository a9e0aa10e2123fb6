-- B9/C4 bulk registration: a hospital system (or a contractor keying paper
-- forms) uploads a bulk-registration XML file (docs/bulk-xml.md). The file
-- is streamed by nanbyo.read_forms_xml, which runs the same checks as online
-- entry and the offline check tool. Semantics:
--   * a malformed or hostile file is refused whole (line and column named);
--   * each valid form is stored as a draft, or confirmed when the file says
--     so and the uploader is that form's doctor;
--   * a rejected form writes nothing (forms are stored set-based, a batch
--     at a time; a batch the database refuses is retried form by form, each
--     in its own subtransaction);
--   * uploading the same file again creates no duplicates: forms are
--     idempotent on (hospital, external record id).

-- The largest file one upload may be (a year of a large hospital's forms).
CREATE OR REPLACE FUNCTION app.bulk_max_bytes()
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 512 * 1024 * 1024::bigint $$;

-- How many forms are stored together, set-based (memory: about this many
-- forms' records at a time).
CREATE OR REPLACE FUNCTION app.bulk_batch_size()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1000 $$;

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

-- (earlier versions stored each form with its own function call)
DROP FUNCTION IF EXISTS app.import_form(app.accounts, app.organisations, text, jsonb);
DROP FUNCTION IF EXISTS app.import_patient(app.accounts, bigint, jsonb);

-- The forms of one batch of nanbyo.read_forms_xml records, worked on
-- set-based by app.import_batch. Private to the importing session.
CREATE OR REPLACE FUNCTION app.import_batch_table()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF to_regclass('pg_temp.import_batch') IS NOT NULL THEN
    DELETE FROM pg_temp.import_batch;
    RETURN;
  END IF;
  CREATE TEMP TABLE import_batch (
    ord          integer PRIMARY KEY,   -- place in the batch
    rec          jsonb NOT NULL,        -- the reader's record
    external_id  text NOT NULL,
    confirm      boolean NOT NULL,      -- status="confirmed" in the file
    result       text,                  -- rejected, duplicate, accepted (NULL: not decided yet)
    refusal      text,                  -- 'CODE:message' of a rejection decided here
    -- who the patient is (patient block of the form)
    patient_name text, patient_name_kana text, patient_birth_date date, patient_sex text,
    patient_postal_code text, patient_address text,
    version_id   bigint,
    doctor_id    bigint,
    patient_id   bigint,
    form_id      bigint
  ) ON COMMIT DROP;
END
$$;

-- Stores a batch of checked form records of nanbyo.read_forms_xml, all in
-- a few set-based statements (one insert per table for the whole batch),
-- and answers the batch's report rows in order. Either the whole batch is
-- stored or, on an error, nothing of it: the caller then retries it form by
-- form, so one form's failure never takes others with it.
CREATE OR REPLACE FUNCTION app.import_batch(me app.accounts, hospital app.organisations, header_doctor text,
                                            recs jsonb[])
RETURNS jsonb[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  report jsonb[];
  form_ids regclass := pg_get_serial_sequence('app.forms', 'id')::regclass;
BEGIN
  PERFORM app.import_batch_table();
  INSERT INTO pg_temp.import_batch (ord, rec, external_id, confirm, result, patient_name, patient_name_kana,
                                    patient_birth_date, patient_sex, patient_postal_code, patient_address)
  SELECT u.ord, u.r, u.r ->> 'external_id', coalesce(u.r ->> 'status' = 'confirmed', false),
         CASE WHEN NOT (u.r ->> 'accepted')::boolean THEN 'rejected' END,
         p.data ->> 'patient_name', p.data ->> 'patient_name_kana',
         CASE WHEN (u.r ->> 'accepted')::boolean THEN (p.data ->> 'patient_birth_date')::date END,
         p.data ->> 'patient_sex', p.data ->> 'patient_postal_code', p.data ->> 'patient_address'
    FROM unnest(recs) WITH ORDINALITY AS u (r, ord)
   CROSS JOIN LATERAL (SELECT coalesce(u.r -> 'personal', '{}') || coalesce(u.r -> 'clinical', '{}') AS data) p;

  -- its form version and its doctor: a doctor at this hospital with the
  -- designated-doctor number the form (or the header) names
  UPDATE pg_temp.import_batch b
     SET version_id = v.id,
         doctor_id = (SELECT a.id FROM app.accounts a
                       WHERE a.role = 'doctor' AND a.deleted_at IS NULL AND a.program = v.program
                         AND a.designated_doctor_number = coalesce(b.rec ->> 'doctor', header_doctor)
                         AND app.writes_forms_at(a, hospital.id)
                       LIMIT 1)
    FROM app.form_versions v
   WHERE b.result IS NULL AND v.disease_code = b.rec ->> 'disease' AND v.version_label = b.rec ->> 'version';

  -- already imported (this file sent again, or an earlier batch of it)
  UPDATE pg_temp.import_batch b SET result = 'duplicate', form_id = i.form_id
    FROM app.form_imports i
   WHERE b.result IS NULL AND i.hospital_id = hospital.id AND i.external_id = b.external_id;

  -- what online entry would refuse too
  UPDATE pg_temp.import_batch b SET refusal = CASE
    WHEN d.id IS NULL THEN
      format('E_DOCTOR_UNKNOWN:指定医番号「%s」の指定医はこの医療機関にいません（form要素かheader要素の doctor 属性）。',
             coalesce(b.rec ->> 'doctor', header_doctor, ''))
    WHEN v.online_until IS NOT NULL AND v.online_until < current_date THEN
      format('E_FORM_VERSION_CLOSED:様式「%s」はオンラインで登録できる期間を過ぎています。', v.version_label)
    WHEN b.confirm AND me.id <> d.id THEN
      'E_CONFIRM_NEEDS_DOCTOR:確定（status="confirmed"）で登録できるのは、その票の指定医が自分で送信するときだけです。'
    WHEN b.confirm AND d.doctor_kind = 'cooperating' AND b.rec ->> 'purpose' <> 'renewal' THEN
      'E_COOPERATING_RENEWAL_ONLY:協力難病指定医が確定できるのは更新申請の票だけです。'
    WHEN me.role = 'contractor' AND coalesce(b.rec ->> 'scan', '') = '' THEN
      'E_SCAN_REQUIRED:外部委託事業者の登録では、form要素の scan 属性に元のスキャン（紙の票）を指定してください。'
    END
    FROM pg_temp.import_batch x
    LEFT JOIN app.form_versions v ON v.id = x.version_id
    LEFT JOIN app.accounts d ON d.id = x.doctor_id
   WHERE x.ord = b.ord AND b.result IS NULL;

  -- the same record twice in this batch: the later ones are duplicates of
  -- the first that is stored
  UPDATE pg_temp.import_batch b SET result = 'duplicate'
   WHERE b.result IS NULL AND EXISTS (
     SELECT FROM pg_temp.import_batch e
      WHERE e.external_id = b.external_id AND e.ord < b.ord AND e.result IS NULL AND e.refusal IS NULL);
  UPDATE pg_temp.import_batch b SET result = 'rejected' WHERE b.result IS NULL AND b.refusal IS NOT NULL;
  UPDATE pg_temp.import_batch b SET result = 'accepted',
         form_id = nextval(form_ids)
   WHERE b.result IS NULL;
  UPDATE pg_temp.import_batch b SET form_id = e.form_id
    FROM pg_temp.import_batch e
   WHERE b.result = 'duplicate' AND b.form_id IS NULL
     AND e.result = 'accepted' AND e.external_id = b.external_id;

  -- the patient: the hospital's record with the same name, reading, birth
  -- date and sex, or a new one (one per person in the batch)
  UPDATE pg_temp.import_batch b
     SET patient_id = (SELECT min(p.id) FROM app.patients p
                        WHERE p.hospital_id = hospital.id AND p.name_kana = b.patient_name_kana
                          AND p.name = b.patient_name AND p.birth_date = b.patient_birth_date
                          AND p.sex = b.patient_sex)
   WHERE b.result = 'accepted';
  WITH created AS (
    INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, created_by)
    SELECT DISTINCT ON (b.patient_name, b.patient_name_kana, b.patient_birth_date, b.patient_sex)
           hospital.id, b.patient_name, b.patient_name_kana, b.patient_birth_date, b.patient_sex,
           b.patient_postal_code, b.patient_address, me.id
      FROM pg_temp.import_batch b
     WHERE b.result = 'accepted' AND b.patient_id IS NULL
     ORDER BY b.patient_name, b.patient_name_kana, b.patient_birth_date, b.patient_sex, b.ord
    RETURNING id, name, name_kana, birth_date, sex
  )
  UPDATE pg_temp.import_batch b SET patient_id = c.id
    FROM created c
   WHERE b.result = 'accepted' AND b.patient_id IS NULL AND c.name = b.patient_name
     AND c.name_kana = b.patient_name_kana AND c.birth_date = b.patient_birth_date AND c.sex = b.patient_sex;

  -- the forms: one insert per table; the extension already split and
  -- normalised the data
  INSERT INTO app.forms (id, patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                         created_by, purpose, consent_db_registration, consent_recorded_at, fiscal_year,
                         status, data, judgment, confirmed_at, confirmed_by)
  OVERRIDING SYSTEM VALUE
  SELECT b.form_id, b.patient_id, v.id, v.disease_code, v.program, hospital.id, b.doctor_id, me.id,
         b.rec ->> 'purpose', (b.rec ->> 'consent_db_registration')::boolean,
         CASE WHEN (b.rec ->> 'consent_db_registration')::boolean THEN now() END, app.fiscal_year(current_date),
         CASE WHEN b.confirm THEN 'confirmed' ELSE 'draft' END, b.rec -> 'clinical',
         CASE WHEN b.confirm THEN b.rec -> 'judgment' END, CASE WHEN b.confirm THEN now() END,
         CASE WHEN b.confirm THEN me.id END
    FROM pg_temp.import_batch b JOIN app.form_versions v ON v.id = b.version_id
   WHERE b.result = 'accepted'
   ORDER BY b.ord;
  INSERT INTO app.form_personal (form_id, data)
  SELECT b.form_id, b.rec -> 'personal' FROM pg_temp.import_batch b WHERE b.result = 'accepted' ORDER BY b.ord;
  INSERT INTO app.form_imports (hospital_id, external_id, form_id, scan, imported_by)
  SELECT hospital.id, b.external_id, b.form_id, b.rec ->> 'scan', me.id
    FROM pg_temp.import_batch b WHERE b.result = 'accepted' ORDER BY b.ord;
  INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id,
                             action, outcome, target_kind, target_id, detail)
  SELECT app.current_request_id(), me.id, me.login_id, me.role, me.organisation_id, 'form.import', 'success',
         'form', b.form_id::text, jsonb_build_object('external_id', b.external_id, 'status', b.rec ->> 'status')
    FROM pg_temp.import_batch b WHERE b.result = 'accepted' ORDER BY b.ord;

  SELECT array_agg(app.import_report_row(b.rec, b.result, b.form_id, b.refusal) ORDER BY b.ord) INTO report
    FROM pg_temp.import_batch b;
  RETURN report;
END
$$;

-- One row of the import report: where the form is in the file, what became
-- of it, and its problems (the reader's, and a refusal decided here).
CREATE OR REPLACE FUNCTION app.import_report_row(rec jsonb, result text, form_id bigint, refusal text)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog
AS $$
  SELECT jsonb_build_object(
    'index', rec -> 'index', 'external_id', rec -> 'external_id', 'line', rec -> 'line', 'column', rec -> 'column',
    'result', result,
    'problems', CASE WHEN refusal IS NULL THEN rec -> 'problems' ELSE (rec -> 'problems') || jsonb_build_array(
      jsonb_build_object('severity', 'error', 'code', split_part(refusal, ':', 1),
                         'message', substr(refusal, strpos(refusal, ':') + 1), 'item', NULL,
                         'line', rec -> 'line', 'column', rec -> 'column')) END)
  || CASE WHEN form_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('form_id', form_id) END
  || CASE WHEN result = 'accepted'
          THEN jsonb_build_object('status', CASE WHEN rec ->> 'status' = 'confirmed' THEN 'confirmed' ELSE 'draft' END)
          ELSE '{}'::jsonb END
$$;

-- Stores a batch with app.import_batch; if the batch fails as a whole (a
-- constraint no check foresaw), stores its forms one by one, each in its own
-- subtransaction, so the failing form is rejected with the database's reason
-- and writes nothing, and the others are stored.
CREATE OR REPLACE FUNCTION app.import_batch_or_each(me app.accounts, hospital app.organisations, header_doctor text,
                                                    recs jsonb[])
RETURNS jsonb[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  report jsonb[] := '{}';
  rec jsonb;
  message text;
  code text;
BEGIN
  IF cardinality(recs) > 1 THEN
    BEGIN
      RETURN app.import_batch(me, hospital, header_doctor, recs);
    EXCEPTION WHEN OTHERS THEN
      NULL;  -- retried form by form below
    END;
  END IF;
  FOREACH rec IN ARRAY recs LOOP
    BEGIN
      report := report || app.import_batch(me, hospital, header_doctor, ARRAY[rec]);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, code = PG_EXCEPTION_DETAIL;
      report := report || app.import_report_row(rec, 'rejected', NULL, CASE
        WHEN code ~ '^E_[A-Z_]+$' THEN code || ':' || message
        ELSE 'E_IMPORT:この票はデータベースに保存できませんでした（' || message || '）。' END);
    END;
  END LOOP;
  RETURN report;
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
  batch jsonb[] := '{}';
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
    batch := batch || rec;
    IF cardinality(batch) >= app.bulk_batch_size() THEN
      FOREACH r IN ARRAY app.import_batch_or_each(me, hospital, header_doctor, batch) LOOP
        results := results || r;  -- appended in place
      END LOOP;
      batch := '{}';
    END IF;
  END LOOP;
  FOREACH r IN ARRAY app.import_batch_or_each(me, hospital, header_doctor, batch) LOOP
    results := results || r;
  END LOOP;
  SELECT count(*) FILTER (WHERE x ->> 'result' = 'accepted'), count(*) FILTER (WHERE x ->> 'result' = 'rejected'),
         count(*) FILTER (WHERE x ->> 'result' = 'duplicate')
    INTO accepted, rejected, duplicates
    FROM unnest(results) AS x;
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
