-- The outputs of a finished extraction (D3), for the operator (staff and
-- admin) to hand to the researcher. Pseudonymised, yet every download is
-- audited (read.research_extraction / _dictionary / _summary) and so
-- POST-only.
--
-- POST /rpc/research_extraction_csv {request_id}   the rows as CSV
--      (text/csv; the columns of the data dictionary, in its order)
-- POST /rpc/research_dictionary {request_id}       the data dictionary
--      (JSON, or CSV with Accept: text/csv)
-- POST /rpc/research_summary {request_id}          the summary, small
--      cells hidden (JSON, or CSV with Accept: text/csv)

-- A done request the caller may download, or the error refusing it.
CREATE OR REPLACE FUNCTION app.research_request_done(request_id bigint)
RETURNS app.research_requests
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.research_operator(false);
  r app.research_requests;
BEGIN
  SELECT * INTO r FROM app.research_requests x WHERE x.id = request_id;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_RESEARCH_REQUEST_NOT_FOUND', '研究利用の申出が見つかりません。');
  END IF;
  IF r.state <> 'done' THEN
    PERFORM app.raise('55000', 'E_RESEARCH_NOT_DONE', '抽出が完了した申出だけを出力できます。');
  END IF;
  RETURN r;
END
$$;

-- One CSV cell of an extraction value (a multiple choice: its codes joined by ;).
CREATE OR REPLACE FUNCTION app.research_csv_cell(value jsonb)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT app.csv_cell(CASE WHEN jsonb_typeof(value) = 'array'
                           THEN to_json((SELECT string_agg(v, ';') FROM jsonb_array_elements_text(value) v))
                           ELSE value::json END)
$$;

-- The CSV of a request's extraction (header: the dictionary's column names).
CREATE OR REPLACE FUNCTION app.research_csv(request_id bigint)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT (SELECT string_agg(app.csv_cell(to_json(d.column_name)), ',' ORDER BY d.position)
            FROM research.dictionary d WHERE d.request_id = research_csv.request_id) || E'\r\n'
         || coalesce((
           SELECT string_agg(line, '' ORDER BY e.row_number)
             FROM research.extraction_rows e
            CROSS JOIN LATERAL (
              SELECT string_agg(app.research_csv_cell(CASE d.column_name
                       WHEN 'pseudonym' THEN to_jsonb(e.pseudonym) WHEN 'fiscal_year' THEN to_jsonb(e.fiscal_year)
                       WHEN 'program' THEN to_jsonb(e.program) WHEN 'disease_code' THEN to_jsonb(e.disease_code)
                       WHEN 'age_band' THEN to_jsonb(e.age_band) WHEN 'sex' THEN to_jsonb(e.sex)
                       WHEN 'prefecture_code' THEN to_jsonb(e.prefecture_code)
                       WHEN 'primary_judgment' THEN to_jsonb(e.primary_judgment)
                       WHEN 'certification_outcome' THEN to_jsonb(e.certification_outcome)
                       WHEN 'ndb_linkage_id' THEN to_jsonb(e.ndb_linkage_id)
                       ELSE e.items -> d.column_name END), ',' ORDER BY d.position) || E'\r\n' AS line
                FROM research.dictionary d WHERE d.request_id = e.request_id) l
            WHERE e.request_id = research_csv.request_id), '')
$$;

-- POST /rpc/research_extraction_csv {request_id}: the file (text/csv).
CREATE OR REPLACE FUNCTION api.research_extraction_csv(request_id bigint)
RETURNS api."*/*"
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  r app.research_requests := app.research_request_done(request_id);
BEGIN
  PERFORM app.audit('read.research_extraction', 'success', 'research_request', r.id::text,
                    jsonb_build_object('format', 'csv', 'rows', r.row_count));
  PERFORM app.add_response_header('Content-Type', 'text/csv; charset=utf-8');
  PERFORM app.add_response_header('Content-Disposition', format('attachment; filename="research-%s.csv"', r.id));
  RETURN app.research_csv(r.id)::api."*/*";
END
$$;
COMMENT ON FUNCTION api.research_extraction_csv(bigint) IS
  '研究利用の抽出データ（CSV、仮名化済み: 列はデータ辞書の順）の出力（運営主体、記録される）';

CREATE TYPE api.research_dictionary_row AS (
  "position" integer, column_name text, label text, type text, unit text, codes jsonb, source text, note text);

-- POST /rpc/research_dictionary {request_id}: the data dictionary.
CREATE OR REPLACE FUNCTION api.research_dictionary(request_id bigint)
RETURNS SETOF api.research_dictionary_row
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  r app.research_requests := app.research_request_done(request_id);
BEGIN
  PERFORM app.audit('read.research_dictionary', 'success', 'research_request', r.id::text, '{}');
  RETURN QUERY SELECT d.position, d.column_name, d.label, d.type, d.unit, d.codes, d.source, d.note
                 FROM research.dictionary d WHERE d.request_id = r.id ORDER BY d.position;
END
$$;
COMMENT ON FUNCTION api.research_dictionary(bigint) IS
  '研究利用の抽出データのデータ辞書（列名・名称・型・単位・選択肢とその名称、様式の定義から）（運営主体、記録される）';

CREATE TYPE api.research_summary_row AS (
  disease_code text, fiscal_year integer, sex text, age_band text, patients integer, suppressed boolean);

-- POST /rpc/research_summary {request_id}: the summary ('*' = total).
CREATE OR REPLACE FUNCTION api.research_summary(request_id bigint)
RETURNS SETOF api.research_summary_row
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  r app.research_requests := app.research_request_done(request_id);
BEGIN
  PERFORM app.audit('read.research_summary', 'success', 'research_request', r.id::text, '{}');
  RETURN QUERY SELECT s.disease_code, s.fiscal_year, s.sex, s.age_band, s.patients, s.suppressed
                 FROM research.summary s
                 LEFT JOIN app.research_age_bands() b ON b.code = s.age_band
                WHERE s.request_id = r.id
                ORDER BY s.disease_code, s.fiscal_year, s.sex = '*', s.sex, b.position NULLS LAST;
END
$$;
COMMENT ON FUNCTION api.research_summary(bigint) IS
  '研究利用の抽出データの集計（疾病×年度×性別×年齢階級の患者数、1〜9と逆算できるセルは秘匿）（運営主体、記録される）';
