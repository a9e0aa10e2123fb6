-- D5: the outbound request files of the insurance-history inquiry
-- (docs/insurance-history-link.md): which patients are due, one numbered
-- batch made of them (by the operator admin or the nightly pg_cron job),
-- the batches listed, a batch's file downloaded. A batch, its lines, the
-- answers and the linkage ids are never changed once written.
-- Grants in policies/insurance_link/insurance_link.sql.

-- Refuses any change of a row of the link's history.
CREATE OR REPLACE FUNCTION app.insurance_link_immutable()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.raise('55000', 'E_INSURANCE_LINK_IMMUTABLE',
    format('履歴照会の記録（%s）は変更・削除できません。', TG_TABLE_NAME));
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['insurance_inquiry_batches', 'insurance_inquiry_requests', 'insurance_inquiry_answers',
                           'insurance_linkages', 'insurance_identifiers', 'insurance_inquiry_answer_files'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON app.%I', t || '_immutable', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON app.%I
                    FOR EACH STATEMENT EXECUTE FUNCTION app.insurance_link_immutable()', t || '_immutable', t);
  END LOOP;
END $$;

-- The most lines one batch has (the rest wait for the next batch).
CREATE OR REPLACE FUNCTION app.insurance_inquiry_batch_max_lines()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 100000 $$;

-- The columns of the request file, in order (docs/insurance-history-link.md).
CREATE OR REPLACE FUNCTION app.insurance_request_file_header()
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'batch_id,line_no,insurer_number,symbol,number,branch' $$;

-- The patients due for an inquiry: current identifiers that were never
-- sent, or were sent and answered with an error (sent again). Identifiers
-- waiting in an unanswered line or answered found / not found are not sent
-- again until they change.
CREATE OR REPLACE VIEW app.insurance_inquiry_due AS
  SELECT c.*
    FROM app.current_insurance_identifiers c
   WHERE NOT EXISTS (
     SELECT FROM app.insurance_inquiry_requests r
       LEFT JOIN app.insurance_inquiry_answers a ON a.batch_id = r.batch_id AND a.line_no = r.line_no
      WHERE r.patient_id = c.patient_id AND r.identifiers_sha256 = c.identifiers_sha256
        AND (a.status IS NULL OR a.status IN ('found', 'not_found')));

-- One CSV field of the request file: as it is, or quoted when it holds a
-- comma, a quote or a line break (identifiers never do; the rule stands).
CREATE OR REPLACE FUNCTION app.insurance_file_field(value text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN value IS NULL THEN ''
              WHEN value ~ '[,"\r\n]' THEN '"' || replace(value, '"', '""') || '"'
              ELSE value END
$$;

-- Makes the next batch of the patients due (at most
-- app.insurance_inquiry_batch_max_lines()): its lines, its file, its audit
-- entry. Answers the batch id, or null when no patient is due.
CREATE OR REPLACE FUNCTION app.create_insurance_inquiry_batch(creator bigint, trigger text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  batch bigint;
  line_count integer;
  body text;
BEGIN
  -- one batch at a time, so that no patient is put in two
  PERFORM pg_advisory_xact_lock(hashtext('nanbyo.insurance_inquiry_batch'));
  DROP TABLE IF EXISTS pg_temp.insurance_batch_lines;
  CREATE TEMP TABLE insurance_batch_lines ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY d.patient_id)::integer AS line_no, d.*
      FROM (SELECT * FROM app.insurance_inquiry_due ORDER BY patient_id
             LIMIT app.insurance_inquiry_batch_max_lines()) d;
  SELECT count(*) INTO line_count FROM pg_temp.insurance_batch_lines;
  IF line_count = 0 THEN
    RETURN NULL;
  END IF;
  batch := nextval(pg_get_serial_sequence('app.insurance_inquiry_batches', 'id'));
  SELECT app.insurance_request_file_header() || E'\r\n'
         || string_agg(concat_ws(',', batch, l.line_no, l.insurer_number, app.insurance_file_field(l.symbol),
                                 l.number, coalesce(l.branch, '')), E'\r\n' ORDER BY l.line_no) || E'\r\n'
    INTO body FROM pg_temp.insurance_batch_lines l;
  INSERT INTO app.insurance_inquiry_batches (id, created_by, trigger, requests, file_name, content, file_sha256)
    OVERRIDING SYSTEM VALUE
  VALUES (batch, creator, trigger, line_count, format('nanbyo-insurance-inquiry-%s.csv', lpad(batch::text, 6, '0')),
          body, encode(sha256(convert_to(body, 'UTF8')), 'hex'));
  INSERT INTO app.insurance_inquiry_requests (batch_id, line_no, patient_id, source, insurer_number, symbol, number,
                                              branch, identifiers_sha256)
  SELECT batch, l.line_no, l.patient_id, l.source, l.insurer_number, l.symbol, l.number, l.branch, l.identifiers_sha256
    FROM pg_temp.insurance_batch_lines l ORDER BY l.line_no;
  PERFORM app.audit('insurance_inquiry.batch', 'success', 'insurance_inquiry_batch', batch::text,
                    jsonb_build_object('requests', line_count, 'trigger', trigger), creator);
  RETURN batch;
END
$$;

-- The nightly pg_cron job: a batch of whoever is due (none: nothing).
CREATE OR REPLACE FUNCTION app.nightly_insurance_inquiry_batch()
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT app.create_insurance_inquiry_batch(NULL, 'cron') $$;

DO $$ BEGIN
  -- 02:30 Japan time (pg_cron runs in UTC)
  PERFORM cron.schedule('nanbyo-insurance-inquiry-batch', '30 17 * * *', 'SELECT app.nightly_insurance_inquiry_batch()');
END $$;

-- The caller, who must be the operator admin.
CREATE OR REPLACE FUNCTION app.insurance_link_admin()
RETURNS app.accounts
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
BEGIN
  IF me.role IS DISTINCT FROM 'operator_admin' THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '履歴照会の連携を扱えるのは運用管理者だけです。');
  END IF;
  RETURN me;
END
$$;

-- One batch as the batch list shows it (no personal data: counts only).
CREATE TYPE api.insurance_inquiry_batch_row AS (
  batch_id bigint, file_name text, created_at timestamptz, created_by_login_id text, trigger text,
  requests integer, answered integer, found integer, not_found integer, errors integer, unanswered integer,
  last_answer_at timestamptz, file_sha256 text);

CREATE OR REPLACE FUNCTION app.insurance_inquiry_batch_rows(only_batch bigint)
RETURNS SETOF api.insurance_inquiry_batch_row
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT b.id, b.file_name, b.created_at, a.login_id, b.trigger, b.requests,
         coalesce(s.answered, 0), coalesce(s.found, 0), coalesce(s.not_found, 0), coalesce(s.errors, 0),
         b.requests - coalesce(s.answered, 0), s.last_answer_at, b.file_sha256
    FROM app.insurance_inquiry_batches b
    LEFT JOIN app.accounts a ON a.id = b.created_by
    LEFT JOIN LATERAL (
      SELECT count(*)::integer AS answered, count(*) FILTER (WHERE x.status = 'found')::integer AS found,
             count(*) FILTER (WHERE x.status = 'not_found')::integer AS not_found,
             count(*) FILTER (WHERE x.status = 'error')::integer AS errors, max(x.received_at) AS last_answer_at
        FROM app.insurance_inquiry_answers x WHERE x.batch_id = b.id) s ON true
   WHERE only_batch IS NULL OR b.id = only_batch
   ORDER BY b.id DESC
$$;

-- POST /rpc/create_insurance_inquiry_batch (operator admin): the next batch
-- of the patients due, now (the nightly job does the same).
CREATE OR REPLACE FUNCTION api.create_insurance_inquiry_batch()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.insurance_link_admin();
  batch bigint := app.create_insurance_inquiry_batch(me.id, 'api');
BEGIN
  IF batch IS NULL THEN
    RETURN jsonb_build_object('batch', NULL, 'message', '照会の対象の患者はいません（新しい・変わった保険の識別情報がありません）。');
  END IF;
  RETURN jsonb_build_object('batch', (SELECT to_jsonb(r) FROM app.insurance_inquiry_batch_rows(batch) r),
    'message', format('依頼ファイル（バッチ %s、%s件）を作りました。', batch,
                      (SELECT b.requests FROM app.insurance_inquiry_batches b WHERE b.id = batch)));
END
$$;
COMMENT ON FUNCTION api.create_insurance_inquiry_batch() IS
  '履歴照会の依頼ファイル（バッチ）の作成（運用管理者）: 保険の識別情報が新しい・変わった患者を集める';

-- GET|POST /rpc/insurance_inquiry_batches (operator admin): every batch
-- with its counts, newest first; JSON or CSV.
CREATE OR REPLACE FUNCTION api.insurance_inquiry_batches()
RETURNS SETOF api.insurance_inquiry_batch_row
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.insurance_link_admin();
  RETURN QUERY SELECT * FROM app.insurance_inquiry_batch_rows(NULL);
END
$$;
COMMENT ON FUNCTION api.insurance_inquiry_batches() IS '履歴照会の依頼ファイル（バッチ）の一覧（運用管理者）: 件数・回答の件数';

-- POST /rpc/insurance_inquiry_request_file {"batch_id"} (operator admin):
-- the batch's request file as it was written (Content-Type: text/csv;
-- charset=utf-8, as an attachment); to Accept: application/json the object
-- {batch_id, file_name, requests, file}. Audit-logged (it holds the
-- identifiers).
CREATE OR REPLACE FUNCTION api.insurance_inquiry_request_file(batch_id bigint)
RETURNS api."*/*"
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.insurance_link_admin();
  b app.insurance_inquiry_batches;
BEGIN
  SELECT * INTO b FROM app.insurance_inquiry_batches x WHERE x.id = batch_id;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_BATCH_NOT_FOUND', format('バッチ %s はありません。', batch_id));
  END IF;
  PERFORM app.audit('insurance_inquiry.download', 'success', 'insurance_inquiry_batch', b.id::text,
                    jsonb_build_object('requests', b.requests, 'file_sha256', b.file_sha256));
  IF split_part(lower(coalesce(current_setting('request.headers', true)::jsonb ->> 'accept', '')), ';', 1)
     = 'application/json' THEN
    PERFORM app.add_response_header('Content-Type', 'application/json; charset=utf-8');
    RETURN json_build_object('batch_id', b.id, 'file_name', b.file_name, 'requests', b.requests,
                             'file_sha256', b.file_sha256, 'file', b.content)::text::api."*/*";
  END IF;
  PERFORM app.add_response_header('Content-Type', 'text/csv; charset=utf-8');
  PERFORM app.add_response_header('Content-Disposition', format('attachment; filename="%s"', b.file_name));
  RETURN b.content::api."*/*";
END
$$;
COMMENT ON FUNCTION api.insurance_inquiry_request_file(bigint) IS
  '履歴照会の依頼ファイルの取得（運用管理者）: 作成時のまま（CSV, UTF-8）。取得は監査ログに残る';
