-- Export (issue #17, item 3; REDCap's "export records") and the data
-- dictionary.
--
-- POST /rpc/export_forms_xml (answered as application/xml): a hospital's forms
-- in the bulk-registration XML the import reads (docs/bulk-xml.md, "Export"),
-- written by the extension's writer (nanbyo.bulk_xml_*, the inverse of the
-- reader). POST /rpc/export_forms: the same forms as rows, one per item
-- value (REDCap's "eav" layout), as JSON or CSV (Accept: text/csv, through
-- the handler of sql/foundation/csv_output.sql). Doctors and clerks export the
-- forms of a hospital they write forms at, the operator those of any
-- hospital. Every export is a read of personal data: audit-logged with the
-- ids of the forms (read.form_export).
-- GET /rpc/data_dictionary: every item of a form version, the shared blocks
-- expanded (nanbyo.data_dictionary), as JSON or CSV.

-- What the XML export returns. PostgREST 12.0.2 picks a function's media
-- type handler by the domain it returns: a domain named "*/*" answers every
-- Accept (none, */*, application/xml, text/xml, ...) with the function's
-- text as the body, and the function sets the Content-Type itself
-- (application/xml). A domain named "application/xml" would answer the XML
-- only to Accept: application/xml, and a JSON string to a client sending no
-- Accept at all.
CREATE DOMAIN api."*/*" AS text;

-- The hospital whose forms the caller may export, or the error refusing it.
CREATE OR REPLACE FUNCTION app.export_hospital(me app.accounts, hospital_id bigint, status text, fiscal_year integer)
RETURNS app.organisations
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  h app.organisations;
  wanted bigint := coalesce(hospital_id, CASE WHEN me.role IN ('doctor', 'clerk') THEN me.organisation_id END);
BEGIN
  IF wanted IS NULL THEN
    PERFORM app.raise('22023', 'E_HOSPITAL_REQUIRED', '出力する医療機関（hospital_id）を指定してください。');
  END IF;
  IF status IS NOT NULL AND NOT EXISTS (SELECT FROM app.form_statuses s WHERE s.code = status) THEN
    PERFORM app.raise('22023', 'E_FORM_STATUS', format('票の状態「%s」はありません。', status));
  END IF;
  IF fiscal_year IS NOT NULL AND fiscal_year NOT BETWEEN 2000 AND 2200 THEN
    PERFORM app.raise('22023', 'E_FISCAL_YEAR', format('年度「%s」が正しくありません。', fiscal_year));
  END IF;
  SELECT * INTO h FROM app.organisations o WHERE o.id = wanted AND o.kind = 'hospital';
  IF me.role IN ('operator_admin', 'operator_staff') THEN
    IF NOT FOUND THEN
      PERFORM app.raise('P0002', 'E_UNKNOWN_HOSPITAL', '医療機関が見つかりません。');
    END IF;
  ELSIF NOT FOUND OR me.role NOT IN ('doctor', 'clerk') OR NOT app.writes_forms_at(me, h.id) THEN
    -- (the same answer for a hospital that does not exist)
    PERFORM app.raise('42501', 'E_NOT_HOSPITAL_STAFF', '自分の医療機関の票だけを出力できます。');
  END IF;
  RETURN h;
END
$$;

-- The forms of an export, in id order: each with the description the
-- writer takes (nanbyo.bulk_xml_form) and its items as stored.
--   external_id  the hospital's own record id when the hospital imported
--                the form itself; otherwise NANBYO-<form id> (forms entered
--                online, or keyed by a contractor under the contractor's ids)
--   status       draft, or confirmed for every form past confirmation (the
--                import takes these two)
--   items        every item, clinical and personal, as stored; the record
--                items (hospital code and name, doctor's name and number, the
--                consent) too: the checks want them, and the import takes the
--                names from its records and refuses a code or number that
--                contradicts them (so a file moved to another hospital or
--                doctor must say so in the items as in the attributes)
CREATE OR REPLACE FUNCTION app.export_form_rows(hospital app.organisations, disease_code text, fiscal_year integer,
                                                status text)
RETURNS TABLE (form_id bigint, description jsonb, items jsonb, form_status text, form_fiscal_year integer,
               version_label text, doctor_number text, external_id text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT f.id, jsonb_build_object(
           'external_id', x.external_id, 'disease', f.disease_code, 'version', v.version_label,
           'purpose', f.purpose, 'status', CASE WHEN f.status = 'draft' THEN 'draft' ELSE 'confirmed' END,
           'consent_db_registration', f.consent_db_registration, 'doctor', d.designated_doctor_number,
           'items', coalesce(p.data, '{}') || f.data),
         coalesce(p.data, '{}') || f.data, f.status, f.fiscal_year, v.version_label, d.designated_doctor_number,
         x.external_id
    FROM app.forms f
    JOIN app.form_versions v ON v.id = f.form_version_id
    JOIN app.accounts d ON d.id = f.doctor_account_id
    LEFT JOIN app.form_personal p ON p.form_id = f.id
    CROSS JOIN LATERAL (
      SELECT coalesce((SELECT i.external_id FROM app.form_imports i
                        WHERE i.form_id = f.id AND i.uploader_organisation_id = f.hospital_id
                        ORDER BY i.imported_at LIMIT 1), 'NANBYO-' || f.id) AS external_id) x
   WHERE f.hospital_id = hospital.id
     AND (export_form_rows.disease_code IS NULL OR f.disease_code = export_form_rows.disease_code)
     AND (export_form_rows.fiscal_year IS NULL OR f.fiscal_year = export_form_rows.fiscal_year)
     AND (export_form_rows.status IS NULL OR f.status = export_form_rows.status)
   ORDER BY f.id
$$;

-- POST /rpc/export_forms_xml {hospital_id, disease_code, fiscal_year, status}:
-- the file, Content-Type: application/xml; to Accept: application/json the
-- object {hospital, forms, file} (the file as a string).
CREATE OR REPLACE FUNCTION api.export_forms_xml(hospital_id bigint DEFAULT NULL, disease_code text DEFAULT NULL,
                                                fiscal_year integer DEFAULT NULL, status text DEFAULT NULL)
RETURNS api."*/*"
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  h app.organisations := app.export_hospital(me, hospital_id, status, fiscal_year);
  ids text[];
  body text;
BEGIN
  SELECT array_agg(r.form_id::text ORDER BY r.form_id), string_agg(nanbyo.bulk_xml_form(r.description), '' ORDER BY r.form_id)
    INTO ids, body
    FROM app.export_form_rows(h, disease_code, fiscal_year, status) r;
  PERFORM app.audit_read('form_export', 'form', coalesce(ids, '{}'), jsonb_strip_nulls(jsonb_build_object(
    'format', 'xml', 'hospital_id', h.id, 'disease_code', disease_code, 'fiscal_year', fiscal_year,
    'status', status, 'forms', coalesce(cardinality(ids), 0))));
  body := nanbyo.bulk_xml_header(h.code, NULL, to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD"T"HH24:MI:SS"+09:00"'))
          || coalesce(body, '') || nanbyo.bulk_xml_footer();
  -- a JSON client (postgrest-js, postgrest-py) asks for JSON: the file in
  -- the object the import takes as JSON ({"file": ...}, check.sql)
  IF split_part(lower(coalesce(current_setting('request.headers', true)::jsonb ->> 'accept', '')), ';', 1)
     = 'application/json' THEN
    PERFORM app.add_response_header('Content-Type', 'application/json; charset=utf-8');
    RETURN json_build_object('hospital', h.code, 'forms', coalesce(cardinality(ids), 0), 'file', body)::text::api."*/*";
  END IF;
  PERFORM app.add_response_header('Content-Type', 'application/xml; charset=utf-8');
  PERFORM app.add_response_header('Content-Disposition',
    format('attachment; filename="nanbyo-forms-%s.xml"', h.code));
  RETURN body::api."*/*";
END
$$;
COMMENT ON FUNCTION api.export_forms_xml(bigint, text, integer, text) IS
  '票の出力（一括登録XML形式: そのまま一括登録に使える。Content-Type: application/xml）';

-- POST /rpc/export_forms: the same forms, one row per item value (a
-- multiple-choice item has a row per chosen code); JSON, or CSV with
-- Accept: text/csv.
CREATE TYPE api.form_export_row AS (
  form_id bigint, external_id text, hospital_code text, disease_code text, version_label text, purpose text,
  status text, fiscal_year integer, consent_db_registration boolean, doctor_number text, item_id text, value text);
CREATE OR REPLACE FUNCTION api.export_forms(hospital_id bigint DEFAULT NULL, disease_code text DEFAULT NULL,
                                            fiscal_year integer DEFAULT NULL, status text DEFAULT NULL)
RETURNS SETOF api.form_export_row
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  h app.organisations := app.export_hospital(me, hospital_id, status, fiscal_year);
  ids text[];
BEGIN
  RETURN QUERY
    SELECT r.form_id, r.external_id, h.code, r.description ->> 'disease', r.version_label,
           r.description ->> 'purpose', r.form_status, r.form_fiscal_year, (r.description ->> 'consent_db_registration')::boolean,
           r.doctor_number, e.key, v.value
      FROM app.export_form_rows(h, disease_code, fiscal_year, status) r
     CROSS JOIN LATERAL jsonb_each(r.items) WITH ORDINALITY AS e (key, value, n)
     CROSS JOIN LATERAL (
       SELECT CASE WHEN jsonb_typeof(x.value) = 'string' THEN x.value #>> '{}' ELSE x.value::text END, x.n
         FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e.value) = 'array' THEN e.value
                                        ELSE jsonb_build_array(e.value) END) WITH ORDINALITY AS x (value, n)
        WHERE jsonb_typeof(x.value) <> 'null') v (value, n)
     ORDER BY r.form_id, e.n, v.n;
  SELECT array_agg(r.form_id::text ORDER BY r.form_id) INTO ids
    FROM app.export_form_rows(h, disease_code, fiscal_year, status) r;
  PERFORM app.audit_read('form_export', 'form', coalesce(ids, '{}'), jsonb_strip_nulls(jsonb_build_object(
    'format', 'rows', 'hospital_id', h.id, 'disease_code', disease_code, 'fiscal_year', fiscal_year,
    'status', status, 'forms', coalesce(cardinality(ids), 0))));
END
$$;
COMMENT ON FUNCTION api.export_forms(bigint, text, integer, text) IS
  '票の出力（項目ごとの行: JSON, Accept: text/csv でCSV）';

-- GET or POST /rpc/data_dictionary {form_version_id | disease_code}: every
-- item of the form version (of every version of the disease; of every
-- version without arguments), the shared blocks expanded, in form order.
CREATE TYPE api.data_dictionary_row AS (
  form_version_id bigint, disease_code text, version_label text, item_id text, label text, label_en text,
  section text, block text, type text, type_label text, unit text, min double precision, max double precision,
  max_length integer, pattern text, codes jsonb, required boolean, enable_when jsonb, personal text,
  carry_over boolean);
CREATE OR REPLACE FUNCTION api.data_dictionary(form_version_id bigint DEFAULT NULL, disease_code text DEFAULT NULL)
RETURNS SETOF api.data_dictionary_row
-- (plpgsql, not sql: a deploy must not depend on the installed extension
-- already having nanbyo.data_dictionary, README "Changing the schema")
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  SELECT v.id, v.disease_code, v.version_label, i ->> 'item_id', i ->> 'label', i ->> 'label_en', i ->> 'section',
         i ->> 'block', i ->> 'type', i ->> 'type_label', i ->> 'unit', (i ->> 'min')::double precision,
         (i ->> 'max')::double precision, (i ->> 'max_length')::integer, i ->> 'pattern', i -> 'codes',
         (i ->> 'required')::boolean, nullif(i -> 'enable_when', 'null'), i ->> 'personal',
         (i ->> 'carry_over')::boolean
    FROM app.form_versions v  -- under RLS: the form readers
   CROSS JOIN LATERAL jsonb_array_elements(nanbyo.data_dictionary(v.definition)) WITH ORDINALITY AS d (i, n)
   WHERE (data_dictionary.form_version_id IS NULL OR v.id = data_dictionary.form_version_id)
     AND (data_dictionary.disease_code IS NULL OR v.disease_code = data_dictionary.disease_code)
   ORDER BY v.disease_code, v.effective_from, v.id, d.n;
END
$$;
COMMENT ON FUNCTION api.data_dictionary(bigint, text) IS
  'データ辞書: 様式の版ごとの全項目（共通ブロックを展開）: 項目ID・名称・型・単位・範囲・選択肢・必須・表示条件';
