-- B9/C4 bulk registration: a hospital system (or a contractor keying paper
-- forms) uploads a bulk-registration XML file (docs/bulk-xml.md). The file
-- is streamed by the extension (nanbyo.read_forms_xml_batches), which runs
-- the same checks as online entry and the offline check tool. Semantics:
--   * a malformed or hostile file is refused whole (line and column named);
--   * each valid form is stored as a draft, or confirmed when the file says
--     so and the uploader is that form's doctor;
--   * a rejected form writes nothing (forms are stored set-based, 1,000 at
--     a time; should the database refuse a batch, the upload is done again
--     with that batch stored form by form, each in its own subtransaction);
--   * uploading the same file again creates no duplicates: forms are
--     idempotent on (hospital, external record id).

-- The largest file one upload may be (a year of a large hospital's forms).
CREATE OR REPLACE FUNCTION app.bulk_max_bytes()
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 512 * 1024 * 1024::bigint $$;

-- How many forms are stored together, set-based (memory: about this many
-- forms' records at a time).
CREATE OR REPLACE FUNCTION app.bulk_batch_size()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1000 $$;

-- What becomes of each record of a batch, decided without writing anything:
-- app.import_batch stores the accepted ones, the dry run
-- (api.check_forms_xml) only reports. One function, so that the dry run
-- answers exactly what the import would. (LANGUAGE sql, no SET clause and not
-- a definer: its callers are definers with a safe search_path, and the
-- planner can inline it into the import's statement.)
CREATE OR REPLACE FUNCTION app.import_decisions(me app.accounts, hospital app.organisations, header_doctor text,
                                                recs jsonb[])
RETURNS TABLE (ord bigint, rec jsonb, external_id text, checked_ok boolean, confirm boolean, consent boolean,
               doctor_number text, name text, name_kana text, birth_date date, sex text, postal_code text,
               address text, version_id bigint, disease_code text, program text, online_until date,
               version_label text, doctor_block boolean, consent_block boolean, doctor_id bigint,
               doctor_kind text, doctor_name text, imported_form_id bigint, scan_open boolean, scan_use bigint,
               known_patient_id bigint, refusal text, result text)
LANGUAGE sql
STABLE
AS $$
WITH input AS (
    -- (the patient block is in the personal part, or the clinical part for
    -- an item a form version does not flag personal)
    SELECT u.ord, u.r AS rec, u.r ->> 'external_id' AS external_id, (u.r ->> 'accepted')::boolean AS checked_ok,
           coalesce(u.r ->> 'status' = 'confirmed', false) AS confirm,
           -- the consent: the form's attribute, else its consent item (they may not differ)
           coalesce((u.r ->> 'consent_db_registration')::boolean,
                    CASE WHEN u.r #>> '{clinical,consent_db_registration}' IN ('true', 'false')
                         THEN (u.r #>> '{clinical,consent_db_registration}')::boolean END, false) AS consent,
           coalesce(u.r ->> 'doctor', header_doctor) AS doctor_number,
           coalesce(u.r #>> '{personal,patient_name}', u.r #>> '{clinical,patient_name}') AS name,
           coalesce(u.r #>> '{personal,patient_name_kana}', u.r #>> '{clinical,patient_name_kana}') AS name_kana,
           CASE WHEN (u.r ->> 'accepted')::boolean
                THEN coalesce(u.r #>> '{personal,patient_birth_date}', u.r #>> '{clinical,patient_birth_date}')::date
           END AS birth_date,
           coalesce(u.r #>> '{personal,patient_sex}', u.r #>> '{clinical,patient_sex}') AS sex,
           coalesce(u.r #>> '{personal,patient_postal_code}', u.r #>> '{clinical,patient_postal_code}') AS postal_code,
           coalesce(u.r #>> '{personal,patient_address}', u.r #>> '{clinical,patient_address}') AS address
      FROM unnest(recs) WITH ORDINALITY AS u (r, ord)
  ), versioned AS (
    -- the form version the reader resolved (every checked form has one)
    SELECT i.*, v.id AS version_id, v.disease_code, v.program, v.online_until, v.version_label,
           coalesce(v.definition -> 'blocks' ? 'doctor@1', false) AS doctor_block,
           coalesce(v.definition -> 'blocks' ? 'consent@1', false) AS consent_block
      FROM input i
      LEFT JOIN app.form_versions v
        ON i.checked_ok AND v.disease_code = i.rec ->> 'disease' AND v.version_label = i.rec ->> 'version'
  ), doctor AS (
    -- each designated-doctor number of the batch looked up once: a doctor
    -- of the program at this hospital
    SELECT n.doctor_number, n.program, d.id, d.doctor_kind, d.name
      FROM (SELECT DISTINCT i.doctor_number, i.program FROM versioned i WHERE i.version_id IS NOT NULL) n
      LEFT JOIN LATERAL (
        SELECT a.id, a.doctor_kind, a.name FROM app.accounts a
         WHERE a.role = 'doctor' AND a.deleted_at IS NULL AND a.program = n.program
           AND a.designated_doctor_number = n.doctor_number AND app.writes_forms_at(a, hospital.id)
         LIMIT 1) d ON true
  ), looked_up AS (
    SELECT i.*, d.id AS doctor_id, d.doctor_kind, d.name AS doctor_name,
           -- (a subquery, not a join: one index probe a record however many were imported)
           (SELECT done.form_id FROM app.form_imports done
             WHERE done.hospital_id = hospital.id AND done.uploader_organisation_id = me.organisation_id
               AND done.external_id = i.external_id) AS imported_form_id,
           CASE WHEN me.role = 'contractor' THEN EXISTS (
             SELECT FROM app.scan_assignments sa
              WHERE sa.contractor_organisation_id = me.organisation_id AND sa.hospital_id = hospital.id
                AND sa.scan = i.rec ->> 'scan' AND sa.form_id IS NULL) END AS scan_open,
           CASE WHEN i.confirm THEN app.confirmation_problem(me.id, me.role, me.program, d.id, d.doctor_kind,
                                                             i.program, i.rec ->> 'purpose') END AS confirmation_problem,
           row_number() OVER (PARTITION BY i.rec ->> 'scan' ORDER BY i.ord) AS scan_use,
           (SELECT min(x.id) FROM app.patients x
             WHERE x.hospital_id = hospital.id AND x.name_kana = i.name_kana AND x.name = i.name
               AND x.birth_date = i.birth_date AND x.sex = i.sex) AS known_patient_id
      FROM versioned i
      LEFT JOIN doctor d ON d.doctor_number = i.doctor_number AND d.program = i.program
  ), refused AS (
    SELECT l.*, CASE WHEN l.checked_ok AND l.imported_form_id IS NULL THEN CASE
      WHEN l.doctor_id IS NULL THEN
        format('E_DOCTOR_UNKNOWN:指定医番号「%s」の指定医はこの医療機関にいません（form要素かheader要素の doctor 属性）。',
               coalesce(l.rec ->> 'doctor', header_doctor, ''))
      -- the lifecycle's rules, as online (sql/forms/lifecycle.sql)
      WHEN l.online_until < current_date THEN app.version_closed_problem(l.online_until, l.version_label)
      WHEN l.confirmation_problem IS NOT NULL THEN l.confirmation_problem
      WHEN me.role = 'contractor' AND coalesce(l.rec ->> 'scan', '') = '' THEN
        'E_SCAN_REQUIRED:外部委託事業者の登録では、form要素の scan 属性に元のスキャン（紙の票）を指定してください。'
      WHEN me.role = 'contractor' AND (NOT l.scan_open OR l.scan_use > 1) THEN
        format('E_SCAN_NOT_ASSIGNED:スキャン「%s」は、この医療機関について入力を依頼された未入力のスキャンではありません。',
               l.rec ->> 'scan')
      -- the record items' identifiers may not contradict the records (names are filled from them)
      WHEN l.doctor_block AND l.rec #>> '{clinical,medical_institution_code}' IS NOT NULL
           AND normalize(l.rec #>> '{clinical,medical_institution_code}', NFKC) <> hospital.code THEN
        format('E_FORM_ITEM_FIXED:項目「医療機関コード」（%s）が、送信元の医療機関のコード（%s）と違います。',
               l.rec #>> '{clinical,medical_institution_code}', hospital.code)
      WHEN l.doctor_block AND l.rec #>> '{clinical,designated_doctor_number}' IS NOT NULL
           AND normalize(l.rec #>> '{clinical,designated_doctor_number}', NFKC) <> l.doctor_number THEN
        format('E_FORM_ITEM_FIXED:項目「指定医番号」（%s）が、この票の指定医の番号（%s）と違います。',
               l.rec #>> '{clinical,designated_doctor_number}', l.doctor_number)
      WHEN l.consent_block AND l.rec #>> '{clinical,consent_db_registration}' IN ('true', 'false')
           AND jsonb_typeof(l.rec -> 'consent_db_registration') = 'boolean'
           AND (l.rec #>> '{clinical,consent_db_registration}')::boolean
               <> (l.rec ->> 'consent_db_registration')::boolean THEN
        'E_CONSENT_MISMATCH:form要素の consent-db-registration と同意の項目が食い違っています。'
      -- the patient register's own rules (stricter than some form versions)
      ELSE app.patient_problem(l.name, l.name_kana, l.birth_date, l.sex, l.address, l.postal_code)
      END END AS refusal
      FROM looked_up l
  ), decided AS (
    SELECT r.*, CASE
      WHEN NOT r.checked_ok THEN 'rejected'
      WHEN r.imported_form_id IS NOT NULL THEN 'duplicate'
      WHEN r.refusal IS NOT NULL THEN 'rejected'
      ELSE 'accepted' END AS result
      FROM refused r
  )
  SELECT d.ord, d.rec, d.external_id, d.checked_ok, d.confirm, d.consent, d.doctor_number, d.name, d.name_kana,
         d.birth_date, d.sex, d.postal_code, d.address, d.version_id, d.disease_code, d.program, d.online_until,
         d.version_label, d.doctor_block, d.consent_block, d.doctor_id, d.doctor_kind, d.doctor_name,
         d.imported_form_id, d.scan_open, d.scan_use, d.known_patient_id, d.refusal, d.result
    FROM decided d
$$;

-- Stores a batch of checked form records of nanbyo.read_forms_xml in one
-- statement (one insert per table for the whole batch) and answers the
-- batch's report rows in file order. Either the whole batch is stored or,
-- on an error, nothing of it: app.import_batch_or_each then retries it form
-- by form, so one form's failure never takes others with it.
--
-- What becomes of each record, in this order (as online entry would decide):
--   rejected   the reader's checks found an error;
--   duplicate  its external id was imported before (an earlier upload or
--              batch; within one file the reader rejects a repeated id);
--   rejected   what online entry refuses too (unknown doctor, closed form
--              version, confirmation by someone else, patient data the
--              patient register does not take, ...);
--   accepted   stored, as a draft or confirmed.
-- The patient is the hospital's record with the same name, reading, birth
-- date and sex, or a new one (one per person in the batch).
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
  patient_ids regclass := pg_get_serial_sequence('app.patients', 'id')::regclass;
  this_fiscal_year integer := app.fiscal_year(current_date);
  this_request_id text := app.current_request_id();
BEGIN
  WITH decided AS (
    -- what becomes of each record (app.import_decisions, shared with the dry run)
    SELECT * FROM app.import_decisions(me, hospital, header_doctor, recs)
  ), numbered AS (
    -- form ids in file order
    SELECT d.*, CASE WHEN d.result = 'accepted' THEN nextval(form_ids) END AS new_form_id
      FROM (SELECT * FROM decided ORDER BY ord) d
  ), new_person AS (
    SELECT n.name, n.name_kana, n.birth_date, n.sex, min(n.ord) AS first_ord
      FROM numbered n WHERE n.result = 'accepted' AND n.known_patient_id IS NULL
     GROUP BY n.name, n.name_kana, n.birth_date, n.sex
  ), new_patient AS (
    SELECT p.*, nextval(patient_ids) AS id FROM (SELECT * FROM new_person ORDER BY first_ord) p
  ), settled AS (
    SELECT n.*, coalesce(n.known_patient_id, np.id) AS patient_id,
           coalesce(n.new_form_id, n.imported_form_id) AS form_id
      FROM numbered n
      LEFT JOIN new_patient np ON n.result = 'accepted' AND n.known_patient_id IS NULL AND np.name = n.name
           AND np.name_kana = n.name_kana AND np.birth_date = n.birth_date AND np.sex = n.sex
  ), patients_stored AS (
    INSERT INTO app.patients (id, hospital_id, name, name_kana, birth_date, sex, postal_code, address, created_by)
    OVERRIDING SYSTEM VALUE
    SELECT np.id, hospital.id, f.name, f.name_kana, f.birth_date, f.sex, f.postal_code, f.address, me.id
      FROM new_patient np JOIN numbered f ON f.ord = np.first_ord
     ORDER BY np.id
    RETURNING id
  ), forms_stored AS (
    -- the extension already split and normalised the data
    INSERT INTO app.forms (id, patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                           created_by, purpose, consent_db_registration, consent_recorded_at, fiscal_year,
                           status, data, judgment, confirmed_at, confirmed_by, entry_channel)
    OVERRIDING SYSTEM VALUE
    SELECT s.form_id, s.patient_id, s.version_id, s.disease_code, s.program, hospital.id, s.doctor_id, me.id,
           s.rec ->> 'purpose', s.consent, CASE WHEN s.consent THEN now() END, this_fiscal_year,
           CASE WHEN s.confirm THEN 'confirmed' ELSE 'draft' END,
           -- the record items come from the records (app.form_record_items)
           (s.rec -> 'clinical')
             || CASE WHEN s.doctor_block THEN jsonb_strip_nulls(jsonb_build_object(
                  'medical_institution_code', hospital.code, 'medical_institution_name', hospital.name,
                  'doctor_name', s.doctor_name, 'designated_doctor_number', s.doctor_number)) ELSE '{}' END
             || CASE WHEN s.consent_block THEN jsonb_build_object('consent_db_registration', s.consent)
                ELSE '{}' END,
           CASE WHEN s.confirm THEN s.rec -> 'judgment' END, CASE WHEN s.confirm THEN now() END,
           CASE WHEN s.confirm THEN me.id END,
           -- keyed from a paper form's scan (C4) or sent by a hospital system (B9)
           CASE WHEN coalesce(s.rec ->> 'scan', '') <> '' THEN 'paper' ELSE 'xml' END
      FROM settled s WHERE s.result = 'accepted'
     ORDER BY s.form_id
    RETURNING id
  ), personal_stored AS (
    -- (the hospital given: the forms of this statement are not yet visible to the personal part's trigger)
    INSERT INTO app.form_personal (form_id, fiscal_year, hospital_id, data)
    SELECT s.form_id, this_fiscal_year, hospital.id, s.rec -> 'personal' FROM settled s WHERE s.result = 'accepted' ORDER BY s.form_id
    RETURNING form_id
  ), imports_stored AS (
    INSERT INTO app.form_imports (hospital_id, uploader_organisation_id, external_id, form_id, scan, imported_by)
    SELECT hospital.id, me.organisation_id, s.external_id, s.form_id, s.rec ->> 'scan', me.id
      FROM settled s WHERE s.result = 'accepted' ORDER BY s.form_id
    RETURNING form_id
  ), scans_keyed AS (
    UPDATE app.scan_assignments sa SET form_id = s.form_id
      FROM settled s
     WHERE me.role = 'contractor' AND s.result = 'accepted' AND sa.contractor_organisation_id = me.organisation_id
       AND sa.hospital_id = hospital.id AND sa.scan = s.rec ->> 'scan'
    RETURNING sa.id, sa.paper_scan_id, sa.form_id
  ), paper_keyed AS (
    -- a scan a municipality uploaded (C4, sql/bulk_import/paper_scans.sql) is keyed now
    UPDATE app.paper_scans ps SET status = 'keyed', keyed_at = now(), form_id = k.form_id
      FROM scans_keyed k
     WHERE ps.id = k.paper_scan_id
    RETURNING ps.id, ps.form_id
  ), paper_audited AS (
    INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id,
                               action, outcome, target_kind, target_id, detail)
    SELECT this_request_id, me.id, me.login_id, me.role, me.organisation_id, 'paper_scan.keyed', 'success',
           'paper_scan', k.id::text, jsonb_build_object('form_id', k.form_id)
      FROM paper_keyed k ORDER BY k.id
    RETURNING id
  ), audited AS (
    INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id,
                               action, outcome, target_kind, target_id, detail)
    SELECT this_request_id, me.id, me.login_id, me.role, me.organisation_id, 'form.import', 'success',
           'form', s.form_id::text, jsonb_build_object('external_id', s.external_id, 'status', s.rec ->> 'status')
      FROM settled s WHERE s.result = 'accepted' ORDER BY s.form_id
    RETURNING id
  )
  SELECT array_agg(app.import_report_row(s.rec, s.result, s.form_id, s.refusal) ORDER BY s.ord) INTO report
    FROM settled s;
  RETURN coalesce(report, '{}');
END
$$;

-- One row of the import report: where the form is in the file, what became
-- of it, and its problems (the reader's, and a refusal decided here).
CREATE OR REPLACE FUNCTION app.import_report_row(rec jsonb, result text, form_id bigint, refusal text)
RETURNS jsonb
LANGUAGE sql
-- (stable like jsonb_build_object, and no SET clause, so a query can inline
-- it: one call per form otherwise)
STABLE
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
  state text;
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
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, code = PG_EXCEPTION_DETAIL;
      -- (app.raise inside an HTTP request raises PGRST: its parts, unwrapped)
      SELECT e.code, e.message_ja INTO code, message FROM app.caught_error(state, message, code) e;
      report := report || app.import_report_row(rec, 'rejected', NULL, CASE
        WHEN code ~ '^E_[A-Z_]+$' THEN code || ':' || message
        ELSE 'E_IMPORT:この票はデータベースに保存できませんでした（' || message || '）。' END);
    END;
  END LOOP;
  RETURN report;
END
$$;

-- The hospital a file's header names, if the caller may upload its forms;
-- otherwise the error that refuses the whole file.
CREATE OR REPLACE FUNCTION app.import_hospital(me app.accounts, header jsonb)
RETURNS app.organisations
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  hospital app.organisations;
BEGIN
  IF jsonb_array_length(header -> 'problems') > 0 THEN
    PERFORM app.raise('22023', header -> 'problems' -> 0 ->> 'code', header -> 'problems' -> 0 ->> 'message');
  END IF;
  SELECT * INTO hospital FROM app.organisations o WHERE o.kind = 'hospital' AND o.code = header ->> 'hospital';
  IF NOT FOUND AND me.role = 'contractor' THEN
    PERFORM app.raise('42501', 'E_NO_SCANS_ASSIGNED',
      format('医療機関コード %s について入力を依頼されたスキャンはありません。', header ->> 'hospital'));
  END IF;
  IF NOT FOUND THEN
    PERFORM app.raise('22023', 'E_UNKNOWN_HOSPITAL',
      format('医療機関コード %s の医療機関は登録されていません。', header ->> 'hospital'));
  END IF;
  IF me.role <> 'contractor' AND NOT app.writes_forms_at(me, hospital.id) THEN
    PERFORM app.raise('42501', 'E_NOT_HOSPITAL_STAFF',
      format('「%s」の票は登録できません（自分の医療機関のファイルだけを送信できます）。', hospital.name));
  END IF;
  IF me.role = 'contractor' AND NOT EXISTS (
       SELECT FROM app.scan_assignments sa
        WHERE sa.contractor_organisation_id = me.organisation_id AND sa.hospital_id = hospital.id
          AND sa.form_id IS NULL) THEN
    -- (the same answer for an unknown hospital: a contractor learns nothing of hospitals it was not given)
    PERFORM app.raise('42501', 'E_NO_SCANS_ASSIGNED',
      format('医療機関コード %s について入力を依頼されたスキャンはありません。', header ->> 'hospital'));
  END IF;
  RETURN hospital;
END
$$;

-- Stores one row of nanbyo.read_forms_xml_batches (the file's header, then
-- up to app.bulk_batch_size() forms): set-based, or form by form on the
-- careful pass. Answers the batch's report rows.
CREATE OR REPLACE FUNCTION app.import_file_batch(me app.accounts, hospital app.organisations, batch jsonb[],
                                                 careful boolean)
RETURNS jsonb[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- (the caller forces generic plans for the file's sake; a batch is better
-- planned knowing its size)
SET plan_cache_mode = auto
AS $$
DECLARE
  header_doctor text := batch[1] ->> 'doctor';
  forms jsonb[] := batch[2:cardinality(batch)];
BEGIN
  IF careful THEN
    RETURN app.import_batch_or_each(me, hospital, header_doctor, forms);
  END IF;
  RETURN app.import_batch(me, hospital, header_doctor, forms);
END
$$;
CREATE OR REPLACE FUNCTION api.import_forms_xml(text)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- a custom plan would fold the body into the plan as a constant: a copy of
-- the whole file per statement that reads it
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  me app.accounts := app.caller();
  hospital app.organisations;
  results json;
  careful boolean := false;
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
  -- (in the select list the reader runs one record at a time: only the header is read)
  hospital := app.import_hospital(me, (SELECT nanbyo.read_forms_xml($1) LIMIT 1));
  <<pass>>
  LOOP
    BEGIN
      -- (the report is aggregated straight into JSON text, the forms' results counted on the way)
      SELECT coalesce(json_agg(u.r ORDER BY b.n, u.m), '[]'), count(*) FILTER (WHERE u.r ->> 'result' = 'accepted'),
             count(*) FILTER (WHERE u.r ->> 'result' = 'rejected'), count(*) FILTER (WHERE u.r ->> 'result' = 'duplicate')
        INTO results, accepted, rejected, duplicates
        FROM nanbyo.read_forms_xml_batches($1, app.bulk_batch_size()) WITH ORDINALITY AS b (batch, n)
       CROSS JOIN LATERAL unnest(app.import_file_batch(me, hospital, b.batch, careful)) WITH ORDINALITY AS u (r, m);
      EXIT pass;
    EXCEPTION WHEN OTHERS THEN
      -- a malformed file (2200M, from the reader), or a failure of the
      -- careful pass, is the upload's error; a refused batch means: again, carefully
      IF careful OR SQLSTATE = '2200M' THEN
        RAISE;
      END IF;
      careful := true;
    END;
  END LOOP;
  PERFORM app.audit('bulk.import', 'success', 'organisation', hospital.id::text,
    jsonb_build_object('forms', accepted + rejected + duplicates, 'accepted', accepted, 'rejected', rejected,
                       'duplicates', duplicates, 'stored_form_by_form', careful));
  RETURN json_build_object('hospital', json_build_object('id', hospital.id, 'code', hospital.code, 'name', hospital.name),
                           'forms', accepted + rejected + duplicates, 'accepted', accepted, 'rejected', rejected,
                           'duplicates', duplicates, 'results', results);
END
$$;
COMMENT ON FUNCTION api.import_forms_xml(text) IS
  '一括登録（XML）: 票ごとの受付結果を返す。再送しても重複しない';
