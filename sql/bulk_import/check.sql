-- The dry run of the bulk import (issue #17, item 4): POST /rpc/check_forms_xml
-- with the same body as /rpc/import_forms_xml. The file is read and every
-- form decided exactly as the import decides it (the same reader, the same
-- app.import_hospital for the header and the uploader's rights, the same
-- app.import_decisions for every form, so duplicates of earlier uploads are
-- named with their form id), and nothing is stored: the answer is the
-- import's report with "dry_run": true, "accepted" meaning "would be
-- accepted" (without a form_id). A file the import refuses whole (malformed,
-- hostile, too large, a header the caller may not upload) is refused here
-- with the same error. What only storing can show is not foreseen: a form
-- the database itself refuses (E_IMPORT). The call is audit-logged
-- (bulk.check: the hospital and the counts, no personal data).
-- Also here: text/xml bodies for both calls (PostgREST 12.0.2 passes a
-- text/xml body only to a function whose single unnamed parameter is of
-- type xml; README "Bulk registration and the check tool").

-- The report rows of one row of nanbyo.read_forms_xml_batches (the header,
-- then the forms), nothing stored.
CREATE OR REPLACE FUNCTION app.check_file_batch(me app.accounts, hospital app.organisations, batch jsonb[])
RETURNS jsonb[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = auto
AS $$
  SELECT coalesce(array_agg(app.import_report_row(d.rec, d.result, d.imported_form_id, d.refusal) ORDER BY d.ord),
                  '{}')
    FROM app.import_decisions(me, hospital, batch[1] ->> 'doctor', batch[2:cardinality(batch)]) d
$$;

-- The body checks both calls make first: not empty, not too large.
CREATE OR REPLACE FUNCTION app.check_bulk_body(body text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF body IS NULL OR octet_length(body) = 0 THEN
    PERFORM app.raise('22023', 'E_XML_EMPTY', 'ファイルが空です。');
  END IF;
  IF octet_length(body) > app.bulk_max_bytes() THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。ファイルを分けてください。', app.bulk_max_bytes() / 1024 / 1024));
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION api.check_forms_xml(text)
RETURNS json
LANGUAGE plpgsql
-- (volatile: it writes its audit entry; nothing else)
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- (as the import: a custom plan would copy the whole file into the plan)
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  me app.accounts := app.caller();
  hospital app.organisations;
  results json;
  accepted integer;
  rejected integer;
  duplicates integer;
  errors integer;
  warnings integer;
BEGIN
  PERFORM app.check_bulk_body($1);
  hospital := app.import_hospital(me, (SELECT nanbyo.read_forms_xml($1) LIMIT 1));
  SELECT coalesce(json_agg(u.r ORDER BY b.n, u.m), '[]'),
         count(*) FILTER (WHERE u.r ->> 'result' = 'accepted'), count(*) FILTER (WHERE u.r ->> 'result' = 'rejected'),
         count(*) FILTER (WHERE u.r ->> 'result' = 'duplicate'),
         coalesce(sum((SELECT count(*) FROM jsonb_array_elements(u.r -> 'problems') p
                        WHERE p ->> 'severity' = 'error')), 0),
         coalesce(sum((SELECT count(*) FROM jsonb_array_elements(u.r -> 'problems') p
                        WHERE p ->> 'severity' = 'warning')), 0)
    INTO results, accepted, rejected, duplicates, errors, warnings
    FROM nanbyo.read_forms_xml_batches($1, app.bulk_batch_size()) WITH ORDINALITY AS b (batch, n)
   CROSS JOIN LATERAL unnest(app.check_file_batch(me, hospital, b.batch)) WITH ORDINALITY AS u (r, m);
  PERFORM app.audit('bulk.check', 'success', 'organisation', hospital.id::text,
    jsonb_build_object('forms', accepted + rejected + duplicates, 'accepted', accepted, 'rejected', rejected,
                       'duplicates', duplicates));
  RETURN json_build_object('dry_run', true,
                           'hospital', json_build_object('id', hospital.id, 'code', hospital.code, 'name', hospital.name),
                           'forms', accepted + rejected + duplicates, 'accepted', accepted, 'rejected', rejected,
                           'duplicates', duplicates, 'errors', errors, 'warnings', warnings, 'results', results);
END
$$;
COMMENT ON FUNCTION api.check_forms_xml(text) IS
  '一括登録（XML）の事前検査: 登録と同じ検査をして票ごとの結果を返す。何も保存しない';

-- The same calls with Content-Type: text/xml. PostgREST 12.0.2 accepts a
-- body as the single unnamed parameter for application/json (json, jsonb),
-- text/plain (text), text/xml (xml) and application/octet-stream (bytea)
-- only; any other Content-Type, application/xml included, is refused by
-- PostgREST before the database is asked (400 PGRST102, "Content-Type not
-- acceptable"). An xml parameter is parsed by PostgreSQL first, so a file
-- that is not well-formed is answered with PostgreSQL's error (400, SQLSTATE
-- 2200N) rather than E_XML_MALFORMED; a well-formed one is read by the
-- extension exactly as a text/plain body.
CREATE OR REPLACE FUNCTION api.import_forms_xml(xml)
RETURNS json
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT api.import_forms_xml($1::text) $$;
COMMENT ON FUNCTION api.import_forms_xml(xml) IS
  '一括登録（XML, Content-Type: text/xml）: text/plain と同じ';

CREATE OR REPLACE FUNCTION api.check_forms_xml(xml)
RETURNS json
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT api.check_forms_xml($1::text) $$;
COMMENT ON FUNCTION api.check_forms_xml(xml) IS
  '一括登録（XML, Content-Type: text/xml）の事前検査: text/plain と同じ';

-- The same calls with Content-Type: application/octet-stream: the bytes as
-- they are, decoded here, so that a file not in UTF-8 (a Shift_JIS export,
-- say) is refused with a clear error. (A text/plain or text/xml body that is
-- not UTF-8 never reaches a function: PostgreSQL refuses the parameter
-- itself, 400 with SQLSTATE 22021.)
CREATE OR REPLACE FUNCTION app.bulk_text_of(body bytea)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF body IS NULL OR octet_length(body) = 0 THEN
    PERFORM app.raise('22023', 'E_XML_EMPTY', 'ファイルが空です。');
  END IF;
  IF octet_length(body) > app.bulk_max_bytes() THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。ファイルを分けてください。', app.bulk_max_bytes() / 1024 / 1024));
  END IF;
  BEGIN
    RETURN convert_from(body, 'UTF8');
  EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    PERFORM app.raise('22023', 'E_XML_ENCODING',
      'ファイルの文字コードがUTF-8ではありません（NUL文字も使えません）。UTF-8で保存して送ってください。');
  END;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION api.import_forms_xml(bytea)
RETURNS json
LANGUAGE sql
VOLATILE
-- (a definer: the callers have no right to app's functions; the call it
-- makes checks the caller by the request's claims, as always)
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT api.import_forms_xml(app.bulk_text_of($1)) $$;
COMMENT ON FUNCTION api.import_forms_xml(bytea) IS
  '一括登録（XML, Content-Type: application/octet-stream）: UTF-8でなければ E_XML_ENCODING';

CREATE OR REPLACE FUNCTION api.check_forms_xml(bytea)
RETURNS json
LANGUAGE sql
VOLATILE
-- (a definer: the callers have no right to app's functions; the call it
-- makes checks the caller by the request's claims, as always)
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT api.check_forms_xml(app.bulk_text_of($1)) $$;
COMMENT ON FUNCTION api.check_forms_xml(bytea) IS
  '一括登録（XML, Content-Type: application/octet-stream）の事前検査: UTF-8でなければ E_XML_ENCODING';

-- The same calls as JSON, {"file": "<the XML text>"} (Content-Type:
-- application/json), for clients that only send JSON: postgrest-js's and
-- postgrest-py's rpc(), which an integrator uses unmodified (#17). The
-- export answers the same object to Accept: application/json, so export →
-- import is a round trip in JSON too. (The parameter is jsonb, a JSON
-- string, since a `file text` overload would be the unnamed text one.) A
-- large file is better sent as it is (text/xml): as JSON it is held once
-- more while it is unpacked.
CREATE OR REPLACE FUNCTION app.bulk_text_of(file jsonb)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(file) IS DISTINCT FROM 'string' THEN
    PERFORM app.raise('22023', 'E_XML_FILE_REQUIRED',
      'JSONで送るときは {"file": "XMLファイルの内容"} の形で、file に文字列として送ってください。');
  END IF;
  RETURN file #>> '{}';
END
$$;

CREATE OR REPLACE FUNCTION api.import_forms_xml(file jsonb)
RETURNS json
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT api.import_forms_xml(app.bulk_text_of(file)) $$;
COMMENT ON FUNCTION api.import_forms_xml(jsonb) IS
  '一括登録（JSON {"file": XMLの内容}, Content-Type: application/json）: text/plain と同じ';

CREATE OR REPLACE FUNCTION api.check_forms_xml(file jsonb)
RETURNS json
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT api.check_forms_xml(app.bulk_text_of(file)) $$;
COMMENT ON FUNCTION api.check_forms_xml(jsonb) IS
  '一括登録（JSON {"file": XMLの内容}, Content-Type: application/json）の事前検査: text/plain と同じ';
