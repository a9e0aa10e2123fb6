-- C3: bulk import of certification results from the municipality's
-- certification system (認定システム): POST /rpc/import_certification_results
-- with the CSV as the body (docs/certification-results.md). Semantics:
--   * the file is decoded here (UTF-8 with or without BOM, or Shift_JIS as
--     CP932: sql/foundation/csv_upload.sql) and read by nanbyo.csv_records;
--   * the whole file is checked first: the file's own rules (header, the
--     form each row names, the municipality's own, taken over, once per
--     file) here, the certification's rules by app.certification_problems
--     (sql/municipality/certification_rules.sql, shared with the single
--     form). Any problem refuses the file: HTTP 422 with every problem
--     (line, column, code, Japanese message), nothing written;
--   * a good file is applied in one transaction, set-based
--     (app.apply_certification for the rows that change something); rows
--     that equal what is recorded are left alone, so importing the same file
--     again changes nothing and says so;
--   * each import is logged in app.certification_imports and the audit log.
-- Grants in policies/municipality/certification_import.sql.

-- The largest file one import may be (about 200,000 rows).
CREATE OR REPLACE FUNCTION app.certification_import_max_bytes()
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 20 * 1024 * 1024::bigint $$;

-- How many problems a refusal lists (all are counted).
CREATE OR REPLACE FUNCTION app.certification_import_max_problems()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1000 $$;

-- The columns of the file (the header's names), in the documented order,
-- with their Japanese names; `certification`: a key of the certification
-- object of app.certification_problems / app.apply_certification.
CREATE OR REPLACE FUNCTION app.certification_import_columns()
RETURNS TABLE (name text, label_ja text, ord integer, certification boolean)
LANGUAGE sql
IMMUTABLE
AS $$
  VALUES ('access_key', 'アクセスキー', 1, false), ('form_id', '票ID', 2, false),
         ('outcome', '認定結果', 3, true), ('refusal_reason', '不認定の理由', 4, true),
         ('refusal_note', '不認定の理由（その他）の内容', 5, true),
         ('recipient_number', '受給者番号', 6, true), ('public_payer_number', '公費負担者番号', 7, true),
         ('application_received_on', '申請受付日', 8, true),
         ('valid_from', '有効期間の開始日', 9, true), ('valid_until', '有効期間の終了日', 10, true),
         ('early_start_reason', '開始日を遡る理由', 11, true),
         ('income_tier', '階層区分', 12, true), ('special_case', '特例区分', 13, true),
         ('research_consent_on', '研究利用の同意日（書面）', 14, false)
$$;

-- The column a header cell names: its English name or its Japanese name
-- (NFKC, case and surrounding spaces ignored); else the cell as it is.
CREATE OR REPLACE FUNCTION app.certification_import_column_of(header_cell text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT coalesce((SELECT c.name FROM app.certification_import_columns() c
                    WHERE c.name = h OR normalize(c.label_ja, NFKC) = h), h)
    FROM (SELECT lower(btrim(normalize(header_cell, NFKC), E' \t\ufeff')) AS h) x
$$;

-- A cell of a CSV record: trimmed, '' as null, null for a column the header
-- does not have or a record too short.
CREATE OR REPLACE FUNCTION app.csv_cell(fields text[], pos integer)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  SELECT CASE WHEN pos IS NOT NULL THEN nullif(btrim(fields[pos], E' \t\u3000'), '') END
$$;

-- A date as certification systems write it (2026-04-01, 2026/4/1,
-- 20260401, full-width digits) in the ISO form the certification rules
-- read; anything else is passed on as it is (and refused by the rules).
CREATE OR REPLACE FUNCTION app.csv_iso_date(value text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  -- (one expression, no FROM: the planner inlines it)
  SELECT CASE
    WHEN normalize(value, NFKC) ~ '^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$'
      THEN format('%s-%s-%s', split_part(translate(normalize(value, NFKC), '/.', '--'), '-', 1),
                  lpad(split_part(translate(normalize(value, NFKC), '/.', '--'), '-', 2), 2, '0'),
                  lpad(split_part(translate(normalize(value, NFKC), '/.', '--'), '-', 3), 2, '0'))
    WHEN normalize(value, NFKC) ~ '^[0-9]{8}$'
      THEN format('%s-%s-%s', substr(normalize(value, NFKC), 1, 4), substr(normalize(value, NFKC), 5, 2),
                  substr(normalize(value, NFKC), 7, 2))
    ELSE value END
$$;

-- The code columns' values as codes: {column: {value: code}} with every
-- code itself and its Japanese label in the vocabulary (NFKC, so 低所得I
-- and 低所得Ⅰ are the same); special cases per program
-- ("special_case:nanbyo"). A value not in it is passed on as it is (and
-- refused by the rules with the codes).
CREATE OR REPLACE FUNCTION app.certification_import_codes()
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  WITH v (kind, code, label) AS (
    SELECT 'outcome', r.code, r.label_ja FROM app.review_results r
    UNION ALL SELECT 'refusal_reason', r.code, r.label_ja FROM app.refusal_reasons r
    UNION ALL SELECT 'income_tier', t.code, t.label_ja FROM app.income_tiers t
    UNION ALL SELECT 'special_case:' || s.program, s.code, s.label_ja FROM app.special_cases s
  )
  SELECT jsonb_object_agg(m.kind, m.codes)
    FROM (SELECT v.kind, jsonb_object_agg(normalize(v.label, NFKC), v.code) || jsonb_object_agg(v.code, v.code) AS codes
            FROM v GROUP BY v.kind) m
$$;

-- Whether a recorded certification already says what `certification`
-- (an object as app.apply_certification takes it) would record: then the
-- row changes nothing. The same projection as app.apply_certification's
-- (values of another outcome dropped, the application date defaulting to
-- the take-over day, special case 'none' by default on a grant).
CREATE OR REPLACE FUNCTION app.certification_unchanged(c app.certifications, f app.forms, certification jsonb)
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
  SELECT c.form_id IS NOT NULL
     AND c.outcome IS NOT DISTINCT FROM n.outcome
     AND c.refusal_reason IS NOT DISTINCT FROM CASE WHEN n.outcome = 'refused' THEN app.certification_text(certification, 'refusal_reason') END
     AND c.refusal_note IS NOT DISTINCT FROM CASE WHEN n.outcome = 'refused' THEN app.certification_text(certification, 'refusal_note') END
     AND c.recipient_number IS NOT DISTINCT FROM CASE WHEN g THEN app.certification_text(certification, 'recipient_number') END
     AND c.public_payer_number IS NOT DISTINCT FROM CASE WHEN g THEN app.certification_text(certification, 'public_payer_number') END
     AND c.application_received_on IS NOT DISTINCT FROM coalesce(
           app.iso_date_or_null(app.certification_text(certification, 'application_received_on')),
           (f.taken_over_at AT TIME ZONE 'Asia/Tokyo')::date)
     AND c.valid_from IS NOT DISTINCT FROM CASE WHEN g THEN app.iso_date_or_null(app.certification_text(certification, 'valid_from')) END
     AND c.valid_until IS NOT DISTINCT FROM CASE WHEN g THEN app.iso_date_or_null(app.certification_text(certification, 'valid_until')) END
     AND c.early_start_reason IS NOT DISTINCT FROM CASE WHEN g THEN app.certification_text(certification, 'early_start_reason') END
     AND c.income_tier IS NOT DISTINCT FROM CASE WHEN g THEN app.certification_text(certification, 'income_tier') END
     AND c.special_case IS NOT DISTINCT FROM CASE WHEN g THEN coalesce(app.certification_text(certification, 'special_case'), 'none') END
    FROM (SELECT app.certification_text(certification, 'outcome') AS outcome) n
   CROSS JOIN LATERAL (SELECT n.outcome = 'granted' AS g) x
$$;

-- The keyed hash of a typed access key, or why it cannot be one (the
-- extension's E_ACCESS_KEY_FORMAT / E_ACCESS_KEY_TYPO), without raising.
-- (Inside an HTTP request the extension raises its errors as PGRST: read
-- with app.caught_error.)
CREATE OR REPLACE FUNCTION app.access_key_hash_or_problem(key text, secret text,
                                                          OUT key_hash text, OUT code text, OUT message text)
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  state text;
  detail text;
BEGIN
  key_hash := nanbyo.access_key_hash(key, secret);
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  SELECT e.code, e.message_ja INTO code, message FROM app.caught_error(state, message, detail) e;
  IF code IS NULL OR code NOT LIKE 'E_ACCESS_KEY_%' THEN
    RAISE;
  END IF;
END
$$;

-- The problems of the file's header (the first record): unknown, repeated
-- or missing names. Answers (line, column, code, message) rows.
CREATE OR REPLACE FUNCTION app.certification_header_problems(line integer, header text[])
RETURNS TABLE (line integer, column_name text, code text, message text)
LANGUAGE sql
STABLE
AS $$
  WITH h AS (
    SELECT app.certification_import_column_of(n) AS name, i FROM unnest(header) WITH ORDINALITY u(n, i)
  )
  SELECT certification_header_problems.line, x.column_name, x.code, x.message FROM (
    SELECT h.i, h.name AS column_name, 'E_CSV_HEADER_UNKNOWN' AS code,
           format('見出し行の%s列目「%s」は認定結果ファイルの列ではありません（列名は docs/certification-results.md のとおり）。', h.i, h.name) AS message
      FROM h WHERE h.name NOT IN (SELECT c.name FROM app.certification_import_columns() c)
    UNION ALL
    SELECT h.i, h.name, 'E_CSV_HEADER_DUPLICATE', format('見出し行に列「%s」が2回以上あります。', h.name)
      FROM h WHERE h.i > (SELECT min(o.i) FROM h o WHERE o.name = h.name)
    UNION ALL
    SELECT 0, 'outcome', 'E_CSV_HEADER_MISSING', '見出し行に列「outcome」（認定結果）がありません。'
     WHERE NOT EXISTS (SELECT FROM h WHERE h.name = 'outcome')
    UNION ALL
    SELECT 0, 'access_key', 'E_CSV_HEADER_MISSING', '見出し行に列「access_key」（アクセスキー）か「form_id」（票ID）が必要です。'
     WHERE NOT EXISTS (SELECT FROM h WHERE h.name IN ('access_key', 'form_id'))
  ) x
  ORDER BY x.i
$$;

-- Imports an uploaded file for `me` (see the top of this file). Answers the
-- report; a refused file (accepted: false) writes nothing but its audit row.
CREATE OR REPLACE FUNCTION app.import_certification_file(me app.accounts, body bytea, content_type text)
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
  secret text := (SELECT s.value FROM app.server_secrets s WHERE s.name = 'access_key_secret');
  codes jsonb := app.certification_import_codes();
  total integer;
  problems jsonb;
  problem_count integer;
  applied integer;
  unchanged integer;
  consents integer;
  import_id bigint;
  earlier timestamptz;
BEGIN
  IF me.role NOT IN ('municipality_staff', 'municipality_admin') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '認定結果を取り込めるのは自治体の職員です。');
  END IF;
  IF body IS NULL OR octet_length(body) = 0 THEN
    PERFORM app.raise('22023', 'E_CSV_EMPTY', 'ファイルが空です。');
  END IF;
  IF octet_length(body) > app.certification_import_max_bytes() THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。ファイルを分けてください。', app.certification_import_max_bytes() / 1024 / 1024));
  END IF;
  file_hash := encode(sha256(body), 'hex');
  SELECT * INTO decoded FROM app.decode_csv_upload(body, content_type);

  -- the records (nanbyo.csv_records raises E_CSV_MALFORMED with the line)
  DROP TABLE IF EXISTS pg_temp.certification_records;
  CREATE TEMP TABLE certification_records ON COMMIT DROP AS
    SELECT r.line, r.fields FROM nanbyo.csv_records(decoded.content) r;
  SELECT r.line, r.fields INTO header_line, header FROM pg_temp.certification_records r ORDER BY r.line LIMIT 1;
  IF header IS NULL THEN
    PERFORM app.raise('22023', 'E_CSV_EMPTY', 'ファイルが空です。');
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object('line', p.line, 'column', p.column_name, 'column_label',
                                               (SELECT c.label_ja FROM app.certification_import_columns() c WHERE c.name = p.column_name),
                                               'code', p.code, 'message', p.message)), '[]')
    INTO problems FROM app.certification_header_problems(header_line, header) p;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN app.certification_import_refused(me, file_hash, decoded.encoding, NULL, problems, jsonb_array_length(problems));
  END IF;
  -- where each column is (null: not in this file)
  SELECT jsonb_object_agg(app.certification_import_column_of(n), i) INTO pos
    FROM unnest(header) WITH ORDINALITY u(n, i);

  DROP TABLE IF EXISTS pg_temp.certification_rows;
  CREATE TEMP TABLE certification_rows ON COMMIT DROP AS
    SELECT r.line, cardinality(r.fields) AS field_count,
           app.csv_cell(r.fields, (pos ->> 'access_key')::int) AS access_key,
           app.csv_cell(r.fields, (pos ->> 'form_id')::int) AS form_id_text,
           app.csv_cell(r.fields, (pos ->> 'research_consent_on')::int) AS consent_text,
           jsonb_strip_nulls(jsonb_build_object(
             'outcome', app.csv_cell(r.fields, (pos ->> 'outcome')::int),
             'refusal_reason', app.csv_cell(r.fields, (pos ->> 'refusal_reason')::int),
             'refusal_note', app.csv_cell(r.fields, (pos ->> 'refusal_note')::int),
             'recipient_number', app.csv_cell(r.fields, (pos ->> 'recipient_number')::int),
             'public_payer_number', app.csv_cell(r.fields, (pos ->> 'public_payer_number')::int),
             'application_received_on', app.csv_iso_date(app.csv_cell(r.fields, (pos ->> 'application_received_on')::int)),
             'valid_from', app.csv_iso_date(app.csv_cell(r.fields, (pos ->> 'valid_from')::int)),
             'valid_until', app.csv_iso_date(app.csv_cell(r.fields, (pos ->> 'valid_until')::int)),
             'early_start_reason', app.csv_cell(r.fields, (pos ->> 'early_start_reason')::int),
             'income_tier', app.csv_cell(r.fields, (pos ->> 'income_tier')::int),
             'special_case', app.csv_cell(r.fields, (pos ->> 'special_case')::int))) AS certification,
           NULL::text AS key_hash, NULL::text AS key_code, NULL::text AS key_message, NULL::bigint AS form_id
      FROM pg_temp.certification_records r
     WHERE r.line > header_line;
  SELECT count(*) INTO total FROM pg_temp.certification_rows;
  IF total = 0 THEN
    PERFORM app.raise('22023', 'E_CSV_NO_ROWS', 'ファイルに見出し行しかありません（認定結果の行がありません）。');
  END IF;

  -- the forms the rows name: by access key (its keyed hash; a typo is the
  -- row's problem, so the keys are hashed one by one only when the file
  -- has one), or by form id
  BEGIN
    UPDATE pg_temp.certification_rows r SET key_hash = nanbyo.access_key_hash(r.access_key, secret)
     WHERE r.access_key IS NOT NULL;
  EXCEPTION WHEN OTHERS THEN
    UPDATE pg_temp.certification_rows r SET (key_hash, key_code, key_message) =
           (SELECT k.key_hash, k.code, k.message FROM app.access_key_hash_or_problem(r.access_key, secret) k)
     WHERE r.access_key IS NOT NULL;
  END;
  UPDATE pg_temp.certification_rows r
     SET form_id = coalesce(
           (SELECT k.form_id FROM app.access_keys k WHERE k.key_hash = r.key_hash AND k.revoked_at IS NULL),
           CASE WHEN r.access_key IS NULL AND r.form_id_text ~ '^[0-9]{1,18}$' THEN r.form_id_text::bigint END);
  -- the forms are locked while the file is checked and applied
  PERFORM f.id FROM app.forms f WHERE f.id IN (SELECT r.form_id FROM pg_temp.certification_rows r)
   ORDER BY f.id FOR UPDATE;
  -- the code columns as codes (their Japanese labels accepted)
  UPDATE pg_temp.certification_rows r
     SET certification = r.certification || jsonb_strip_nulls(jsonb_build_object(
           'outcome', codes -> 'outcome' ->> normalize(r.certification ->> 'outcome', NFKC),
           'refusal_reason', codes -> 'refusal_reason' ->> normalize(r.certification ->> 'refusal_reason', NFKC),
           'income_tier', codes -> 'income_tier' ->> normalize(r.certification ->> 'income_tier', NFKC),
           'special_case', codes -> ('special_case:' || f.program) ->> normalize(r.certification ->> 'special_case', NFKC)))
    FROM app.forms f
   WHERE f.id = r.form_id;
  ANALYZE pg_temp.certification_rows;

  -- the problems of every row: the file's rules, then the certification's
  WITH checked AS (
    SELECT r.*, f AS form, f.id IS NOT NULL AS form_found,
           coalesce(f.municipality_id = me.organisation_id AND f.status IN ('taken_over', 'reviewed', 'registered'), false)
             AS ours,
           min(r.line) OVER (PARTITION BY r.form_id) AS first_line
      FROM pg_temp.certification_rows r
      LEFT JOIN app.forms f ON f.id = r.form_id
  ), row_problems AS (
    SELECT r.line, x.column_name, x.code, x.message
      FROM checked r
     CROSS JOIN LATERAL (VALUES
       (r.field_count <> cardinality(header), NULL,
        'E_CSV_FIELD_COUNT', format('この行の列の数（%s）が見出し行（%s）と違います。', r.field_count, cardinality(header))),
       (r.access_key IS NULL AND r.form_id_text IS NULL, CASE WHEN pos ? 'access_key' THEN 'access_key' ELSE 'form_id' END,
        'E_FORM_REFERENCE_REQUIRED', 'アクセスキーか票IDのどちらかを記入してください。'),
       (r.key_code IS NOT NULL, 'access_key', r.key_code, r.key_message),
       (r.access_key IS NOT NULL AND r.key_code IS NULL AND NOT r.form_found, 'access_key',
        'E_ACCESS_KEY_UNKNOWN', 'このアクセスキーの票はありません。キーを確認し、再発行された場合は新しいキーを使ってください。'),
       (r.access_key IS NULL AND r.form_id_text !~ '^[0-9]{1,18}$', 'form_id',
        'E_FORM_ID', '票IDは数字で記入してください。'),
       (r.access_key IS NULL AND r.form_id_text ~ '^[0-9]{1,18}$' AND NOT r.ours, 'form_id',
        'E_FORM_NOT_FOUND', format('票ID %s の票は、この自治体が受け付けた票の中にありません。', r.form_id_text)),
       (r.access_key IS NOT NULL AND r.form_id_text IS NOT NULL AND r.form_found
          AND r.form_id_text IS DISTINCT FROM r.form_id::text, 'form_id',
        'E_FORM_REFERENCE_CONFLICT', format('アクセスキーの票（票ID %s）と票ID %s が違います。', r.form_id, r.form_id_text)),
       (r.access_key IS NOT NULL AND r.form_found AND (r.form).municipality_id <> me.organisation_id, 'access_key',
        'E_OTHER_MUNICIPALITY', 'この票は他の自治体が受け付けた票です。'),
       (r.access_key IS NOT NULL AND r.form_found AND (r.form).municipality_id IS NULL, 'access_key',
        'E_FORM_NOT_TAKEN_OVER', 'この票はまだ受け付けていません。先に「票の照会・受付」でアクセスキーから受け付けてください。'),
       (r.form_id IS NOT NULL AND r.line > r.first_line, CASE WHEN r.access_key IS NOT NULL THEN 'access_key' ELSE 'form_id' END,
        'E_DUPLICATE_IN_FILE', format('同じ票の行が %s 行目にもあります（1つの票は1行だけ）。', r.first_line)),
       (r.consent_text IS NOT NULL AND app.iso_date_or_null(app.csv_iso_date(r.consent_text)) IS NULL, 'research_consent_on',
        'E_CONSENT_DATE', '研究利用の同意日は日付（YYYY-MM-DD）で記入してください。'),
       (app.iso_date_or_null(app.csv_iso_date(r.consent_text)) > current_date, 'research_consent_on',
        'E_CONSENT_DATE_FUTURE', '研究利用の同意日に今日より後の日付は記入できません。'),
       (r.ours AND (r.form).status = 'registered'
          AND NOT app.certification_unchanged(
                (SELECT c FROM app.certifications c WHERE c.form_id = r.form_id), r.form, r.certification), 'outcome',
        'E_FORM_STATUS', '登録済みの票の認定結果は変更できません。')
     ) x(failed, column_name, code, message)
     WHERE x.failed IS TRUE
    UNION ALL
    -- the certification's own rules (the same as for one form)
    SELECT r.line, p.field, p.code, p.message
      FROM checked r CROSS JOIN LATERAL app.certification_problems(r.form, r.certification) p
     WHERE r.ours
  )
  SELECT count(*)::integer,
         coalesce(jsonb_agg(jsonb_build_object('line', p.line, 'column', p.column_name, 'column_label', p.label_ja,
                                               'code', p.code, 'message', p.message) ORDER BY p.n)
                    FILTER (WHERE p.n <= app.certification_import_max_problems()), '[]')
    INTO problem_count, problems
    FROM (SELECT rp.*, c.label_ja,
                 row_number() OVER (ORDER BY rp.line, c.ord NULLS FIRST, rp.column_name, rp.code) AS n
            FROM row_problems rp LEFT JOIN app.certification_import_columns() c ON c.name = rp.column_name) p;
  IF problem_count > 0 THEN
    RETURN app.certification_import_refused(me, file_hash, decoded.encoding, total, problems, problem_count);
  END IF;

  -- a good file: what changes
  DROP TABLE IF EXISTS pg_temp.certification_changes;
  CREATE TEMP TABLE certification_changes ON COMMIT DROP AS
    SELECT r.line, r.form_id, r.certification,
           NOT app.certification_unchanged(c, f, r.certification) AS certification_changes,
           app.iso_date_or_null(app.csv_iso_date(r.consent_text)) AS consented_on,
           rc.form_id IS NULL OR rc.withdrawn_on IS NOT NULL
             OR rc.consented_on IS DISTINCT FROM app.iso_date_or_null(app.csv_iso_date(r.consent_text)) AS consent_differs,
           coalesce(c.admin_box, '{}') AS admin_box
      FROM pg_temp.certification_rows r
      JOIN app.forms f ON f.id = r.form_id
      LEFT JOIN app.certifications c ON c.form_id = r.form_id
      LEFT JOIN app.research_consents rc ON rc.form_id = r.form_id;

  -- the certifications (the 行政記載欄 recorded on the form is kept: the file has none)
  IF EXISTS (SELECT FROM pg_temp.certification_changes ch WHERE ch.certification_changes) THEN
    PERFORM count(*) FROM app.apply_certification(
      (SELECT array_agg(ch.form_id ORDER BY ch.form_id) FROM pg_temp.certification_changes ch WHERE ch.certification_changes),
      (SELECT array_agg(ch.certification || jsonb_build_object('admin_box', ch.admin_box) ORDER BY ch.form_id)
         FROM pg_temp.certification_changes ch WHERE ch.certification_changes));
  END IF;

  -- the written research-use consents the file records (an empty cell leaves the recorded one alone)
  WITH stored AS (
    INSERT INTO app.research_consents AS t (form_id, consented_on, recorded_by, recorded_at)
    SELECT ch.form_id, ch.consented_on, me.id, now()
      FROM pg_temp.certification_changes ch
     WHERE ch.consented_on IS NOT NULL AND ch.consent_differs
     ORDER BY ch.form_id
    ON CONFLICT (form_id) DO UPDATE SET consented_on = excluded.consented_on, recorded_by = excluded.recorded_by,
                                        recorded_at = excluded.recorded_at, withdrawn_on = NULL, withdrawn_by = NULL,
                                        withdrawn_at = NULL
    RETURNING t.form_id, t.consented_on
  ), audited AS (
    INSERT INTO app.audit_log (request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id,
                               action, outcome, target_kind, target_id, detail)
    SELECT app.current_request_id(), me.id, me.login_id, me.role, me.organisation_id, 'form.research_consent', 'success',
           'form', s.form_id::text, jsonb_build_object('consented_on', s.consented_on, 'source', 'certification_import')
      FROM stored s ORDER BY s.form_id
    RETURNING 1
  )
  SELECT count(*) INTO consents FROM audited;

  SELECT count(*) FILTER (WHERE ch.certification_changes OR (ch.consented_on IS NOT NULL AND ch.consent_differs)),
         count(*) FILTER (WHERE NOT (ch.certification_changes OR (ch.consented_on IS NOT NULL AND ch.consent_differs)))
    INTO applied, unchanged FROM pg_temp.certification_changes ch;
  SELECT max(i.imported_at) INTO earlier FROM app.certification_imports i
   WHERE i.municipality_id = me.organisation_id AND i.file_sha256 = file_hash;
  INSERT INTO app.certification_imports (municipality_id, file_sha256, encoding, rows, applied, unchanged,
                                         imported_by, request_id)
  VALUES (me.organisation_id, file_hash, decoded.encoding, total, applied, unchanged, me.id, app.current_request_id())
  RETURNING id INTO import_id;
  PERFORM app.audit('certification.import', 'success', 'certification_import', import_id::text,
    jsonb_build_object('file_sha256', file_hash, 'encoding', decoded.encoding, 'rows', total,
                       'applied', applied, 'unchanged', unchanged, 'consents', consents));
  RETURN jsonb_build_object(
    'accepted', true, 'import_id', import_id, 'file_sha256', file_hash, 'encoding', decoded.encoding,
    'rows', total, 'applied', applied, 'unchanged', unchanged, 'previously_imported_at', earlier,
    'message', CASE WHEN applied = 0 AND total = 1 THEN '変更はありません（記録済みの認定結果と同じです）。'
                    WHEN applied = 0 THEN format('変更はありません（%s件とも記録済みの認定結果と同じです）。', total)
                    ELSE format('%s件の認定結果を反映しました（変更なし %s件）。', applied, unchanged) END);
END
$$;

-- The refusal of a file: its problems (the api function answers it with
-- HTTP 422; nothing is written but the audit row).
CREATE OR REPLACE FUNCTION app.certification_import_refused(me app.accounts, file_hash text, encoding text,
                                                            total integer, problems jsonb, problem_count integer)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.audit('certification.import', 'refused', 'file', NULL,
    jsonb_build_object('file_sha256', file_hash, 'encoding', encoding, 'rows', total, 'problems', problem_count));
  RETURN jsonb_build_object(
    'accepted', false, 'rows', total, 'problem_count', problem_count, 'problems', problems,
    'message', format('ファイルに誤りが%s件あるため、1件も反映していません。各行の誤りを直して、もう一度取り込んでください。', problem_count));
END
$$;

-- POST /rpc/import_certification_results (municipality staff and admin):
-- the file's bytes as the body, Content-Type: application/octet-stream
-- (optionally with charset=UTF-8 or charset=Shift_JIS; through nginx also
-- text/csv with its charset).
CREATE OR REPLACE FUNCTION api.import_certification_results(bytea)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  report jsonb := app.import_certification_file(app.caller(), $1, app.request_content_type());
BEGIN
  IF NOT (report ->> 'accepted')::boolean THEN
    PERFORM set_config('response.status', '422', true);
  END IF;
  RETURN report;
END
$$;
COMMENT ON FUNCTION api.import_certification_results(bytea) IS
  '認定結果の一括取込（認定システムのCSV, UTF-8 または Shift_JIS）: 1行でも誤りがあれば1件も反映しない。同じファイルを再度取り込んでも変わらない';

-- The same with Content-Type: text/plain (UTF-8 only: PostgreSQL decodes a
-- text body before the function is called).
CREATE OR REPLACE FUNCTION api.import_certification_results(text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  report jsonb := app.import_certification_file(app.caller(), convert_to($1, 'UTF8'), 'text/plain; charset=utf-8');
BEGIN
  IF NOT (report ->> 'accepted')::boolean THEN
    PERFORM set_config('response.status', '422', true);
  END IF;
  RETURN report;
END
$$;
COMMENT ON FUNCTION api.import_certification_results(text) IS
  '認定結果の一括取込（CSV, Content-Type: text/plain, UTF-8）: application/octet-stream と同じ';
