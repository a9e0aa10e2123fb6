-- D5: the inbound answer file of the insurance-history inquiry
-- (docs/insurance-history-link.md): POST /rpc/import_insurance_inquiry_answers
-- with the file as the body, as api.import_certification_results does it:
--   * decoded here (UTF-8 with or without BOM, or Shift_JIS as CP932:
--     sql/foundation/csv_upload.sql), read by nanbyo.csv_records;
--   * the whole file checked first; any problem refuses it: HTTP 422 with
--     every problem (line, column, code, Japanese message), nothing written;
--   * a good file: each answer line stored (found / not_found / error with
--     the peer's code), a linkage id per found line in app.insurance_linkages;
--     an answer is final, so the same file again changes nothing and a
--     different answer for an answered line is refused;
--   * each import is logged in app.insurance_inquiry_answer_files and the
--     audit log. The report never shows a linkage id.
-- Grants in policies/insurance_link/insurance_link.sql.

-- The columns of the answer file (the header's names), with Japanese names.
CREATE OR REPLACE FUNCTION app.insurance_answer_columns()
RETURNS TABLE (name text, label_ja text, ord integer)
LANGUAGE sql
IMMUTABLE
AS $$
  VALUES ('batch_id', 'バッチ番号', 1), ('line_no', '行番号', 2), ('status', '回答', 3),
         ('linkage_id', '連携ID', 4), ('peer_code', '回答コード', 5)
$$;

-- The problems of the answer file's header: unknown, repeated or missing names.
CREATE OR REPLACE FUNCTION app.insurance_answer_header_problems(line integer, header text[])
RETURNS TABLE (line integer, column_name text, code text, message text)
LANGUAGE sql
STABLE
AS $$
  WITH h AS (
    SELECT lower(btrim(normalize(n, NFKC), E' \t\ufeff')) AS name, i FROM unnest(header) WITH ORDINALITY u(n, i)
  )
  SELECT insurance_answer_header_problems.line, x.column_name, x.code, x.message FROM (
    SELECT h.i, h.name AS column_name, 'E_CSV_HEADER_UNKNOWN' AS code,
           format('見出し行の%s列目「%s」は回答ファイルの列ではありません（列名は docs/insurance-history-link.md のとおり）。', h.i, h.name) AS message
      FROM h WHERE h.name NOT IN (SELECT c.name FROM app.insurance_answer_columns() c)
    UNION ALL
    SELECT h.i, h.name, 'E_CSV_HEADER_DUPLICATE', format('見出し行に列「%s」が2回以上あります。', h.name)
      FROM h WHERE h.i > (SELECT min(o.i) FROM h o WHERE o.name = h.name)
    UNION ALL
    SELECT 1000 + c.ord, c.name, 'E_CSV_HEADER_MISSING', format('見出し行に列「%s」（%s）がありません。', c.name, c.label_ja)
      FROM app.insurance_answer_columns() c WHERE c.name NOT IN (SELECT h.name FROM h)
  ) x
  ORDER BY x.i
$$;

-- The refusal of an answer file (HTTP 422; nothing written but the audit row).
CREATE OR REPLACE FUNCTION app.insurance_answers_refused(file_hash text, encoding text, total integer,
                                                         problems jsonb, problem_count integer)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.audit('insurance_inquiry.answers', 'refused', 'file', NULL,
    jsonb_build_object('file_sha256', file_hash, 'encoding', encoding, 'lines', total, 'problems', problem_count));
  RETURN jsonb_build_object(
    'accepted', false, 'lines', total, 'problem_count', problem_count, 'problems', problems,
    'message', format('回答ファイルに誤りが%s件あるため、1件も取り込んでいません。', problem_count));
END
$$;

-- Imports an answer file (see the top of this file) for the operator admin.
CREATE OR REPLACE FUNCTION app.import_insurance_answers(me app.accounts, body bytea, content_type text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  decoded record;
  file_hash text;
  header_line integer;
  header text[];
  pos jsonb;
  total integer;
  problems jsonb;
  problem_count integer;
  batch bigint;
  applied integer;
  unchanged integer;
  file_id bigint;
  earlier timestamptz;
  lines jsonb;
BEGIN
  IF body IS NULL OR octet_length(body) = 0 THEN
    PERFORM app.raise('22023', 'E_CSV_EMPTY', 'ファイルが空です。');
  END IF;
  IF octet_length(body) > app.certification_import_max_bytes() THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。', app.certification_import_max_bytes() / 1024 / 1024));
  END IF;
  file_hash := encode(sha256(body), 'hex');
  SELECT * INTO decoded FROM app.decode_csv_upload(body, content_type);

  DROP TABLE IF EXISTS pg_temp.insurance_answer_records;
  CREATE TEMP TABLE insurance_answer_records ON COMMIT DROP AS
    SELECT r.line, r.fields FROM nanbyo.csv_records(decoded.content) r;
  SELECT r.line, r.fields INTO header_line, header FROM pg_temp.insurance_answer_records r ORDER BY r.line LIMIT 1;
  IF header IS NULL THEN
    PERFORM app.raise('22023', 'E_CSV_EMPTY', 'ファイルが空です。');
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object('line', p.line, 'column', p.column_name, 'code', p.code,
                                               'message', p.message)), '[]')
    INTO problems FROM app.insurance_answer_header_problems(header_line, header) p;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN app.insurance_answers_refused(file_hash, decoded.encoding, NULL, problems, jsonb_array_length(problems));
  END IF;
  SELECT jsonb_object_agg(lower(btrim(normalize(n, NFKC), E' \t\ufeff')), i) INTO pos
    FROM unnest(header) WITH ORDINALITY u(n, i);

  DROP TABLE IF EXISTS pg_temp.insurance_answer_rows;
  CREATE TEMP TABLE insurance_answer_rows ON COMMIT DROP AS
    SELECT r.line, cardinality(r.fields) AS field_count,
           app.csv_cell(r.fields, (pos ->> 'batch_id')::int) AS batch_text,
           app.csv_cell(r.fields, (pos ->> 'line_no')::int) AS line_text,
           lower(app.csv_cell(r.fields, (pos ->> 'status')::int)) AS status,
           lower(app.csv_cell(r.fields, (pos ->> 'linkage_id')::int)) AS linkage_id,
           app.csv_cell(r.fields, (pos ->> 'peer_code')::int) AS peer_code,
           NULL::bigint AS batch_id, NULL::integer AS line_no
      FROM pg_temp.insurance_answer_records r
     WHERE r.line > header_line;
  SELECT count(*) INTO total FROM pg_temp.insurance_answer_rows;
  IF total = 0 THEN
    PERFORM app.raise('22023', 'E_CSV_NO_ROWS', 'ファイルに見出し行しかありません（回答の行がありません）。');
  END IF;
  UPDATE pg_temp.insurance_answer_rows r
     SET batch_id = CASE WHEN r.batch_text ~ '^[0-9]{1,18}$' THEN r.batch_text::bigint END,
         line_no = CASE WHEN r.line_text ~ '^[0-9]{1,9}$' THEN r.line_text::integer END;
  -- the file's batch: the first row's
  SELECT r.batch_id INTO batch FROM pg_temp.insurance_answer_rows r ORDER BY r.line LIMIT 1;
  -- answers of one batch are imported one file at a time
  PERFORM pg_advisory_xact_lock(hashtextextended('nanbyo.insurance_answers:' || coalesce(batch::text, ''), 0));

  WITH checked AS (
    SELECT r.*, q.batch_id IS NOT NULL AS requested, a AS stored, a.batch_id IS NOT NULL AS answered,
           EXISTS (SELECT FROM app.insurance_inquiry_batches b WHERE b.id = r.batch_id) AS batch_found,
           (SELECT l.linkage_id FROM app.insurance_linkages l
             WHERE l.batch_id = r.batch_id AND l.line_no = r.line_no) AS stored_linkage,
           min(r.line) OVER (PARTITION BY r.batch_id, r.line_no) AS first_line
      FROM pg_temp.insurance_answer_rows r
      LEFT JOIN app.insurance_inquiry_requests q ON q.batch_id = r.batch_id AND q.line_no = r.line_no
      LEFT JOIN app.insurance_inquiry_answers a ON a.batch_id = r.batch_id AND a.line_no = r.line_no
  ), row_problems AS (
    SELECT r.line, x.column_name, x.code, x.message
      FROM checked r
     CROSS JOIN LATERAL (VALUES
       (r.field_count <> cardinality(header), NULL,
        'E_CSV_FIELD_COUNT', format('この行の列の数（%s）が見出し行（%s）と違います。', r.field_count, cardinality(header))),
       (r.batch_id IS NULL, 'batch_id', 'E_BATCH_ID', 'バッチ番号は数字で記入してください。'),
       (r.batch_id IS NOT NULL AND NOT r.batch_found, 'batch_id', 'E_BATCH_NOT_FOUND',
        format('バッチ %s の依頼ファイルはありません。', r.batch_id)),
       (r.batch_id IS NOT NULL AND r.batch_id IS DISTINCT FROM batch, 'batch_id', 'E_BATCH_MIXED',
        format('1つの回答ファイルは1つのバッチの回答です（1行目のバッチは %s）。', batch)),
       (r.line_no IS NULL, 'line_no', 'E_LINE_NO', '行番号は数字で記入してください。'),
       (r.batch_found AND r.line_no IS NOT NULL AND NOT r.requested, 'line_no', 'E_LINE_NOT_IN_BATCH',
        format('バッチ %s に行番号 %s の依頼はありません。', r.batch_id, r.line_no)),
       (r.requested AND r.line > r.first_line, 'line_no', 'E_DUPLICATE_IN_FILE',
        format('同じ依頼行の回答が %s 行目にもあります。', r.first_line)),
       (r.status IS NULL OR r.status NOT IN ('found', 'not_found', 'error'), 'status', 'E_ANSWER_STATUS',
        '回答は found、not_found、error のどれかを記入してください。'),
       (r.status = 'found' AND r.linkage_id IS NULL, 'linkage_id', 'E_LINKAGE_ID_REQUIRED',
        '回答が found の行には連携IDが必要です。'),
       (r.status = 'found' AND r.linkage_id !~ '^[0-9a-f]{64}$', 'linkage_id', 'E_LINKAGE_ID_FORMAT',
        '連携IDは64桁の16進数で記入してください。'),
       (r.status IN ('not_found', 'error') AND r.linkage_id IS NOT NULL, 'linkage_id', 'E_LINKAGE_ID_UNEXPECTED',
        '回答が not_found・error の行に連携IDは記入できません。'),
       (r.status = 'error' AND r.peer_code IS NULL, 'peer_code', 'E_PEER_CODE_REQUIRED',
        '回答が error の行には回答コードが必要です。'),
       (r.peer_code !~ '^[A-Za-z0-9_-]{1,20}$', 'peer_code', 'E_PEER_CODE_FORMAT',
        '回答コードは20文字以内の英数字・ハイフン・下線で記入してください。'),
       (r.answered AND ((r.stored).status IS DISTINCT FROM r.status OR (r.stored).peer_code IS DISTINCT FROM r.peer_code
                        OR r.stored_linkage IS DISTINCT FROM CASE WHEN r.status = 'found' THEN r.linkage_id END),
        'status', 'E_ANSWER_CONFLICT',
        format('バッチ %s の行番号 %s には別の回答を取り込み済みです（回答は変更できません）。', r.batch_id, r.line_no))
     ) x(failed, column_name, code, message)
     WHERE x.failed IS TRUE
  )
  SELECT count(*)::integer,
         coalesce(jsonb_agg(jsonb_build_object('line', p.line, 'column', p.column_name, 'code', p.code,
                                               'message', p.message) ORDER BY p.n)
                    FILTER (WHERE p.n <= app.certification_import_max_problems()), '[]')
    INTO problem_count, problems
    FROM (SELECT rp.*, row_number() OVER (ORDER BY rp.line, c.ord NULLS FIRST, rp.code) AS n
            FROM row_problems rp LEFT JOIN app.insurance_answer_columns() c ON c.name = rp.column_name) p;
  IF problem_count > 0 THEN
    RETURN app.insurance_answers_refused(file_hash, decoded.encoding, total, problems, problem_count);
  END IF;

  -- a good file: the new answers
  SELECT count(*) FILTER (WHERE a.batch_id IS NULL), count(*) FILTER (WHERE a.batch_id IS NOT NULL)
    INTO applied, unchanged
    FROM pg_temp.insurance_answer_rows r
    LEFT JOIN app.insurance_inquiry_answers a ON a.batch_id = r.batch_id AND a.line_no = r.line_no;
  SELECT max(f.imported_at) INTO earlier FROM app.insurance_inquiry_answer_files f
   WHERE f.batch_id = batch AND f.file_sha256 = file_hash;
  INSERT INTO app.insurance_inquiry_answer_files (batch_id, file_sha256, encoding, lines, applied, unchanged,
                                                  imported_by, request_id)
  VALUES (batch, file_hash, decoded.encoding, total, applied, unchanged, me.id, app.current_request_id())
  RETURNING id INTO file_id;
  DROP TABLE IF EXISTS pg_temp.insurance_new_answers;
  CREATE TEMP TABLE insurance_new_answers ON COMMIT DROP AS
    SELECT r.* FROM pg_temp.insurance_answer_rows r
     WHERE NOT EXISTS (SELECT FROM app.insurance_inquiry_answers a WHERE a.batch_id = r.batch_id AND a.line_no = r.line_no);
  INSERT INTO app.insurance_inquiry_answers (batch_id, line_no, status, peer_code, answer_file_id)
  SELECT r.batch_id, r.line_no, r.status, r.peer_code, file_id FROM pg_temp.insurance_new_answers r ORDER BY r.line_no;
  INSERT INTO app.insurance_linkages (patient_id, linkage_id, batch_id, line_no, identifiers_sha256)
  SELECT q.patient_id, r.linkage_id, r.batch_id, r.line_no, q.identifiers_sha256
    FROM pg_temp.insurance_new_answers r
    JOIN app.insurance_inquiry_requests q ON q.batch_id = r.batch_id AND q.line_no = r.line_no
   WHERE r.status = 'found'
   ORDER BY r.line_no;

  -- the report: every line's answer (no linkage id), and the counts
  SELECT jsonb_agg(jsonb_build_object('line', r.line, 'line_no', r.line_no, 'status', r.status,
                                      'peer_code', r.peer_code,
                                      'new', r.line_no IN (SELECT n.line_no FROM pg_temp.insurance_new_answers n))
                   ORDER BY r.line)
    INTO lines FROM pg_temp.insurance_answer_rows r;
  PERFORM app.audit('insurance_inquiry.answers', 'success', 'insurance_inquiry_batch', batch::text,
    jsonb_build_object('answer_file_id', file_id, 'file_sha256', file_hash, 'encoding', decoded.encoding,
                       'lines', total, 'applied', applied, 'unchanged', unchanged));
  RETURN jsonb_build_object(
    'accepted', true, 'answer_file_id', file_id, 'batch_id', batch, 'file_sha256', file_hash,
    'encoding', decoded.encoding, 'lines', total, 'applied', applied, 'unchanged', unchanged,
    'found', (SELECT count(*) FROM pg_temp.insurance_answer_rows r WHERE r.status = 'found'),
    'not_found', (SELECT count(*) FROM pg_temp.insurance_answer_rows r WHERE r.status = 'not_found'),
    'errors', (SELECT count(*) FROM pg_temp.insurance_answer_rows r WHERE r.status = 'error'),
    'previously_imported_at', earlier, 'answers', lines,
    'message', CASE WHEN applied = 0 THEN format('変更はありません（%s件とも取り込み済みの回答と同じです）。', total)
                    ELSE format('%s件の回答を取り込みました（取り込み済み %s件）。', applied, unchanged) END);
END
$$;

-- POST /rpc/import_insurance_inquiry_answers (operator admin): the answer
-- file's bytes as the body, Content-Type: application/octet-stream
-- (optionally ; charset=UTF-8 or Shift_JIS).
CREATE OR REPLACE FUNCTION api.import_insurance_inquiry_answers(bytea)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  report jsonb := app.import_insurance_answers(app.insurance_link_admin(), $1, app.request_content_type());
BEGIN
  IF NOT (report ->> 'accepted')::boolean THEN
    PERFORM set_config('response.status', '422', true);
  END IF;
  RETURN report;
END
$$;
COMMENT ON FUNCTION api.import_insurance_inquiry_answers(bytea) IS
  '履歴照会の回答ファイルの取込（運用管理者, CSV, UTF-8 または Shift_JIS）: 1行でも誤りがあれば1件も取り込まない。同じファイルを再度取り込んでも変わらない';

-- The same with Content-Type: text/plain (UTF-8).
CREATE OR REPLACE FUNCTION api.import_insurance_inquiry_answers(text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  report jsonb := app.import_insurance_answers(app.insurance_link_admin(), convert_to($1, 'UTF8'), 'text/plain; charset=utf-8');
BEGIN
  IF NOT (report ->> 'accepted')::boolean THEN
    PERFORM set_config('response.status', '422', true);
  END IF;
  RETURN report;
END
$$;
COMMENT ON FUNCTION api.import_insurance_inquiry_answers(text) IS
  '履歴照会の回答ファイルの取込（CSV, Content-Type: text/plain, UTF-8）: application/octet-stream と同じ';
