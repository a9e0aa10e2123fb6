-- C4, the paper path (issue #19 item 3): scans of paper forms (PDF).
--
--   uploaded    a municipality uploaded the PDF with its metadata
--               (api.upload_paper_scan)
--   downloaded  the operator downloaded it (api.download_paper_scan; the
--               first download moves it), and may then give it to a
--               contractor (api.assign_scans, paper_scan_ids)
--   keyed       the contractor's XML import named it (scan="PS-<id>") and
--               made a form from it (app.import_batch)
--   done        the operator checked the keyed form (api.complete_paper_scan)
--
-- Each step is taken by its role only, in that order, and audit-logged.
-- Who sees a scan: its municipality, the operator, and the contractor it
-- was given to (who downloads it: it types the form from the PDF); hospitals
-- and the Ministry nothing. The tables' policies say the same
-- (policies/bulk_import/paper_scans.sql).

-- The largest scan (decoded): a multi-page form scanned at 300 dpi.
CREATE OR REPLACE FUNCTION app.paper_scan_max_bytes()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 20 * 1024 * 1024 $$;

-- The name a scan goes by in assignments and in a contractor's XML (scan="PS-12").
CREATE OR REPLACE FUNCTION app.paper_scan_reference(paper_scan_id bigint)
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'PS-' || paper_scan_id $$;

-- The Japanese label of a scan status (the vocabulary's list, sql/foundation/vocabulary.sql).
CREATE OR REPLACE FUNCTION app.paper_scan_status_label(status text)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT s.label FROM app.paper_scan_statuses() s WHERE s.code = status $$;

-- Whether scan `paper_scan_id` was given to contractor `organisation_id`
-- (also the contractors' row policy: they cannot read the assignments).
CREATE OR REPLACE FUNCTION app.paper_scan_assigned_to(paper_scan_id bigint, organisation_id bigint)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (SELECT FROM app.scan_assignments sa
                  WHERE sa.paper_scan_id = paper_scan_assigned_to.paper_scan_id
                    AND sa.contractor_organisation_id = paper_scan_assigned_to.organisation_id)
$$;

-- Whether account `me` sees scan `scan`: its municipality, the operator,
-- the contractor it was given to.
CREATE OR REPLACE FUNCTION app.paper_scan_visible(me app.accounts, scan app.paper_scans)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN me.role IN ('operator_admin', 'operator_staff') THEN true
    WHEN me.role IN ('municipality_admin', 'municipality_staff') THEN scan.municipality_id = me.organisation_id
    WHEN me.role = 'contractor' THEN app.paper_scan_assigned_to(scan.id, me.organisation_id)
    ELSE false END
$$;

-- A scan as the API answers it (the metadata; never the PDF).
CREATE OR REPLACE FUNCTION app.paper_scan_json(scan app.paper_scans)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', scan.id, 'reference', app.paper_scan_reference(scan.id),
    'municipality', (SELECT jsonb_build_object('id', m.id, 'code', m.code, 'name', m.name)
                       FROM app.organisations m WHERE m.id = scan.municipality_id),
    'program', scan.program, 'disease_code', scan.disease_code,
    'disease_name', (SELECT v.disease_name FROM app.form_versions v WHERE v.disease_code = scan.disease_code
                      ORDER BY v.id = scan.form_version_id DESC, v.effective_from DESC LIMIT 1),
    'fiscal_year', scan.fiscal_year, 'form_version_id', scan.form_version_id,
    'version_label', (SELECT v.version_label FROM app.form_versions v WHERE v.id = scan.form_version_id),
    'file_name', scan.file_name, 'byte_size', scan.byte_size, 'content_sha256', scan.content_sha256,
    'status', scan.status, 'uploaded_at', scan.uploaded_at, 'downloaded_at', scan.downloaded_at,
    'keyed_at', scan.keyed_at, 'form_id', scan.form_id, 'done_at', scan.done_at,
    'assignment', (SELECT jsonb_build_object('contractor_organisation_id', c.id, 'contractor_name', c.name,
                                             'hospital_id', h.id, 'hospital_name', h.name,
                                             'assigned_at', sa.assigned_at)
                     FROM app.scan_assignments sa
                     JOIN app.organisations c ON c.id = sa.contractor_organisation_id
                     JOIN app.organisations h ON h.id = sa.hospital_id
                    WHERE sa.paper_scan_id = scan.id))
$$;

-- A scan the caller sees, locked for its next step, or 404 (the same
-- answer for one that does not exist: nobody learns of others' scans; the
-- refusal is recorded by app.raise).
CREATE OR REPLACE FUNCTION app.paper_scan_for_update(me app.accounts, paper_scan_id bigint)
RETURNS app.paper_scans
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  scan app.paper_scans;
BEGIN
  SELECT * INTO scan FROM app.paper_scans s WHERE s.id = paper_scan_for_update.paper_scan_id FOR UPDATE;
  IF NOT FOUND OR NOT app.paper_scan_visible(me, scan) THEN
    PERFORM app.raise('P0002', 'E_PAPER_SCAN_NOT_FOUND', 'スキャンが見つかりません。');
  END IF;
  RETURN scan;
END
$$;

-- Why a step cannot be taken from a scan's status (null: it can).
CREATE OR REPLACE FUNCTION app.paper_scan_status_problem(scan app.paper_scans, wanted text, doing text)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN scan.status <> wanted THEN
    format('状態が「%s」のスキャンだけを%s（%s は「%s」）。', app.paper_scan_status_label(wanted), doing,
           app.paper_scan_reference(scan.id), app.paper_scan_status_label(scan.status)) END
$$;

-- POST /rpc/upload_paper_scan {"file": {"name", "content_base64"}, "program",
-- "fiscal_year", "disease_code", "form_version_id"} (municipality): a scan
-- of a paper form. The file must be a PDF (it starts with %PDF- and ends
-- with %%EOF) of at most app.paper_scan_max_bytes(); the same file a second
-- time is refused, naming the first upload. A form version must still be
-- accepted on paper (app.paper_accepted_until).
CREATE OR REPLACE FUNCTION api.upload_paper_scan(file jsonb, program text, fiscal_year integer,
                                                 disease_code text DEFAULT NULL, form_version_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  municipality app.organisations;
  v app.form_versions;
  name text := btrim(file ->> 'name');
  encoded text := file ->> 'content_base64';
  content bytea;
  size integer;
  sha text;
  earlier app.paper_scans;
  scan app.paper_scans;
BEGIN
  IF me.role NOT IN ('municipality_admin', 'municipality_staff') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '紙の票のスキャンは自治体が登録します。');
  END IF;
  SELECT * INTO municipality FROM app.organisations o WHERE o.id = me.organisation_id;
  -- the metadata
  IF program IS NULL OR NOT EXISTS (SELECT FROM app.programs p WHERE p.code = program) THEN
    PERFORM app.raise('22023', 'E_PROGRAM', '制度（難病・小慢）を指定してください。');
  END IF;
  IF (program = 'nanbyo' AND NOT municipality.runs_nanbyo) OR (program = 'shoman' AND NOT municipality.runs_shoman) THEN
    PERFORM app.raise('22023', 'E_PROGRAM_NOT_RUN',
      format('%sは%sを実施していません。', municipality.name, (SELECT p.label_ja FROM app.programs p WHERE p.code = program)));
  END IF;
  IF fiscal_year IS NULL OR fiscal_year NOT BETWEEN 2000 AND app.fiscal_year(current_date) + 1 THEN
    PERFORM app.raise('22023', 'E_FISCAL_YEAR', format('年度「%s」が正しくありません。', coalesce(fiscal_year::text, '')));
  END IF;
  disease_code := nullif(btrim(disease_code), '');
  IF form_version_id IS NOT NULL THEN
    SELECT * INTO v FROM app.form_versions x WHERE x.id = form_version_id;
    IF NOT FOUND THEN
      PERFORM app.raise('P0002', 'E_FORM_VERSION_NOT_FOUND', '指定された様式が見つかりません。');
    END IF;
    IF v.program <> program OR v.disease_code <> coalesce(disease_code, v.disease_code) THEN
      PERFORM app.raise('22023', 'E_PAPER_SCAN_VERSION_MISMATCH',
        format('様式「%s %s」は、指定された制度・疾病の様式ではありません。', v.disease_name, v.version_label));
    END IF;
    IF app.paper_accepted_until(v.online_until, v.paper_until) < current_date THEN
      PERFORM app.raise('55000', 'E_PAPER_PERIOD_ENDED',
        format('様式「%s %s」の紙の票は %s で受付期間を終えました。新しい様式で作成された票を登録してください。',
               v.disease_name, v.version_label, to_char(app.paper_accepted_until(v.online_until, v.paper_until), 'YYYY-MM-DD')));
    END IF;
    disease_code := v.disease_code;
  ELSIF disease_code IS NOT NULL AND NOT EXISTS (
          SELECT FROM app.form_versions x WHERE x.disease_code = disease_code AND x.program = program) THEN
    PERFORM app.raise('22023', 'E_PAPER_SCAN_DISEASE',
      format('疾病コード「%s」はこの制度の疾病ではありません。', disease_code));
  END IF;
  -- the file
  IF jsonb_typeof(file) IS DISTINCT FROM 'object' OR jsonb_typeof(file -> 'content_base64') IS DISTINCT FROM 'string'
     OR coalesce(name, '') = '' THEN
    PERFORM app.raise('22023', 'E_FILE_REQUIRED', 'ファイル（名前と内容）を指定してください。');
  END IF;
  IF length(name) > 255 OR app.has_hidden_characters(name) OR name ~ '[/\\]' THEN
    PERFORM app.raise('22023', 'E_FILE_NAME', 'ファイル名は255文字以内で、制御文字や「/」「\」を含めないでください。');
  END IF;
  -- (base64 is 4 characters for 3 bytes: a text this long cannot decode to the limit)
  IF length(encoded) > (app.paper_scan_max_bytes() / 3 + 1) * 4 + length(encoded) / 64 * 2 + 4 THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。', app.paper_scan_max_bytes() / 1024 / 1024));
  END IF;
  BEGIN
    content := decode(encoded, 'base64');
  EXCEPTION WHEN OTHERS THEN
    content := NULL;
  END;
  IF content IS NULL THEN
    PERFORM app.raise('22023', 'E_FILE_BASE64', 'ファイルの内容（content_base64）がBase64として読めません。');
  END IF;
  size := octet_length(content);
  IF size > app.paper_scan_max_bytes() THEN
    PERFORM app.raise('54000', 'E_FILE_TOO_LARGE',
      format('ファイルが大きすぎます（上限 %s MiB）。', app.paper_scan_max_bytes() / 1024 / 1024));
  END IF;
  -- a PDF: the header at the start, the end-of-file marker in its last kilobyte
  IF size < 16 OR substring(content FROM 1 FOR 5) <> '\x255044462d'::bytea
     OR position('\x2525454f46'::bytea IN substring(content FROM greatest(1, size - 1023))) = 0 THEN
    PERFORM app.raise('22023', 'E_NOT_PDF', 'PDFファイルではありません。紙の票をスキャンしたPDFファイルを選んでください。');
  END IF;
  sha := encode(sha256(content), 'hex');
  SELECT * INTO earlier FROM app.paper_scans s WHERE s.municipality_id = me.organisation_id AND s.content_sha256 = sha;
  IF FOUND THEN
    PERFORM app.raise('23505', 'E_PAPER_SCAN_DUPLICATE',
      format('このファイルは登録済みです（%s「%s」、%s に登録）。', app.paper_scan_reference(earlier.id), earlier.file_name,
             to_char(earlier.uploaded_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI')));
  END IF;
  INSERT INTO app.paper_scans (municipality_id, program, disease_code, fiscal_year, form_version_id, file_name,
                               byte_size, content_sha256, uploaded_by)
  VALUES (me.organisation_id, program, disease_code, fiscal_year, form_version_id, name, size, sha, me.id)
  RETURNING * INTO scan;
  INSERT INTO app.paper_scan_files (paper_scan_id, content) VALUES (scan.id, content);
  PERFORM app.audit('paper_scan.upload', 'success', 'paper_scan', scan.id::text,
    jsonb_build_object('program', program, 'fiscal_year', fiscal_year, 'byte_size', size, 'content_sha256', sha));
  RETURN app.paper_scan_json(scan);
END
$$;
COMMENT ON FUNCTION api.upload_paper_scan(jsonb, text, integer, text, bigint) IS
  '紙の票のスキャン（PDF）の登録（自治体）: 制度・疾病・年度・様式を添えて。PDFであること、大きさ、重複を確かめる';

-- POST /rpc/list_paper_scans {"status", "fiscal_year", "program",
-- "municipality_id", "limit", "offset"}: the scans the caller sees, newest
-- first (metadata only). Audit-logged as a read.
CREATE OR REPLACE FUNCTION api.list_paper_scans(status text DEFAULT NULL, fiscal_year integer DEFAULT NULL,
                                                program text DEFAULT NULL, municipality_id bigint DEFAULT NULL,
                                                "limit" integer DEFAULT 200, "offset" integer DEFAULT 0)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  rows jsonb;
  ids text[];
BEGIN
  IF me.role NOT IN ('municipality_admin', 'municipality_staff', 'operator_admin', 'operator_staff', 'contractor') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', 'スキャンの一覧は自治体・運営主体・外部委託事業者が使います。');
  END IF;
  IF status IS NOT NULL AND NOT EXISTS (SELECT FROM app.paper_scan_statuses() x WHERE x.code = status) THEN
    PERFORM app.raise('22023', 'E_PAPER_SCAN_STATUS_UNKNOWN', format('スキャンの状態「%s」はありません。', status));
  END IF;
  IF "limit" IS NULL OR "limit" NOT BETWEEN 1 AND 1000 OR "offset" IS NULL OR "offset" < 0 THEN
    PERFORM app.raise('22023', 'E_PAGE', 'limit は1〜1,000、offset は0以上で指定してください。');
  END IF;
  SELECT coalesce(jsonb_agg(app.paper_scan_json(s) ORDER BY s.id DESC), '[]'), array_agg(s.id::text ORDER BY s.id DESC)
    INTO rows, ids
    FROM (SELECT * FROM app.paper_scans s
           WHERE app.paper_scan_visible(me, s)
             -- (the same, for the planner: a municipality's scans by their index)
             AND (me.role NOT IN ('municipality_admin', 'municipality_staff') OR s.municipality_id = me.organisation_id)
             AND (status IS NULL OR s.status = status) AND (fiscal_year IS NULL OR s.fiscal_year = fiscal_year)
             AND (program IS NULL OR s.program = program)
             AND (municipality_id IS NULL OR s.municipality_id = municipality_id)
           ORDER BY s.id DESC LIMIT "limit" OFFSET "offset") s;
  PERFORM app.audit_read('paper_scans', 'paper_scan', coalesce(ids, '{}'));
  RETURN rows;
END
$$;
COMMENT ON FUNCTION api.list_paper_scans(text, integer, text, bigint, integer, integer) IS
  '紙の票のスキャンの一覧: 自治体は自分の登録したもの、運営主体はすべて、外部委託事業者は入力を依頼されたもの';

-- POST /rpc/download_paper_scan {"paper_scan_id"} (operator; the contractor
-- its assigned scans): the PDF as base64 with the scan. The operator's first
-- download moves the scan from uploaded to downloaded. Audit-logged.
CREATE OR REPLACE FUNCTION api.download_paper_scan(paper_scan_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  scan app.paper_scans;
  moved boolean := false;
BEGIN
  IF me.role NOT IN ('operator_admin', 'operator_staff', 'contractor') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', 'スキャンの取得は運営主体（と入力を依頼された外部委託事業者）が行います。');
  END IF;
  scan := app.paper_scan_for_update(me, paper_scan_id);
  IF scan.status = 'uploaded' AND me.role IN ('operator_admin', 'operator_staff') THEN
    UPDATE app.paper_scans s SET status = 'downloaded', downloaded_by = me.id, downloaded_at = now()
     WHERE s.id = scan.id RETURNING * INTO scan;
    moved := true;
  END IF;
  PERFORM app.audit('paper_scan.download', 'success', 'paper_scan', scan.id::text,
    jsonb_build_object('status', scan.status, 'moved_to_downloaded', moved));
  RETURN jsonb_build_object('scan', app.paper_scan_json(scan), 'file_name', scan.file_name,
                            'media_type', 'application/pdf',
                            'content_base64', (SELECT encode(f.content, 'base64') FROM app.paper_scan_files f
                                                WHERE f.paper_scan_id = scan.id));
END
$$;
COMMENT ON FUNCTION api.download_paper_scan(bigint) IS
  '紙の票のスキャン（PDF）の取得（運営主体。入力を依頼された外部委託事業者も）: 運営主体の最初の取得で「運営主体が取得済み」になる';

-- POST /rpc/complete_paper_scan {"paper_scan_id"} (operator): a keyed scan
-- is done.
CREATE OR REPLACE FUNCTION api.complete_paper_scan(paper_scan_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  scan app.paper_scans;
BEGIN
  IF me.role NOT IN ('operator_admin', 'operator_staff') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', 'スキャンの完了は運営主体が記録します。');
  END IF;
  scan := app.paper_scan_for_update(me, paper_scan_id);
  IF scan.status <> 'keyed' THEN
    PERFORM app.raise('55000', 'E_PAPER_SCAN_STATUS', app.paper_scan_status_problem(scan, 'keyed', '完了にできます'));
  END IF;
  UPDATE app.paper_scans s SET status = 'done', done_by = me.id, done_at = now()
   WHERE s.id = scan.id RETURNING * INTO scan;
  PERFORM app.audit('paper_scan.done', 'success', 'paper_scan', scan.id::text, jsonb_build_object('form_id', scan.form_id));
  RETURN app.paper_scan_json(scan);
END
$$;
COMMENT ON FUNCTION api.complete_paper_scan(bigint) IS '紙の票のスキャンの完了（運営主体）: 入力済みのスキャンを完了にする';
