-- Running a research extraction (D3): app.run_research_extraction(id) makes
-- the outputs of one approved request in research.* (rows, data dictionary,
-- summary), all or nothing: a failure rolls back what it wrote and marks
-- the request failed with the reason. The nightly job is
-- sql/research/job.sql.
--
-- What an extraction holds (docs/research-extraction.md):
--   - forms the municipality registered (status registered) of the
--     request's program, diseases and fiscal years whose patient's written
--     research-use consent is recorded and not withdrawn
--     (app.research_consents);
--   - per form: pseudonym (sql/research/pseudonym.sql), fiscal year,
--     program, disease code, 5-year age band on 1 April of the fiscal year
--     (100+ pooled), sex, the prefecture of the implementing body, the
--     primary judgment, the certification outcome, the NDB linkage id when
--     approved (D5), and the requested items (sql/research/items.sql: dates
--     as year-month);
--   - never: name, kana, address, postal code, birth date, recipient,
--     insurance or payer numbers, free text, personal items, form, patient
--     or hospital ids.

-- The value of an item in an extraction: a date as YYYY-MM, others as stored.
CREATE OR REPLACE FUNCTION app.research_value(value jsonb, type text)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN value IS NULL OR jsonb_typeof(value) = 'null' THEN NULL
    WHEN type = 'date' AND jsonb_typeof(value) = 'string' THEN to_jsonb(left(value #>> '{}', 7))
    ELSE value
  END
$$;

-- The linkage id of each patient for the NDB column (D5, wt/insurance:
-- app.insurance_linkages(patient_id, linkage_id, ...), one row per found
-- answer, the newest current). Read dynamically, so that this file loads
-- before that table exists; a request approved for NDB linkage fails while
-- it is missing. No ids asked (NULL): nothing, and the table is not needed.
CREATE OR REPLACE FUNCTION app.research_ndb_linkage_ids(patient_ids bigint[])
RETURNS TABLE (patient_id bigint, linkage_id text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF patient_ids IS NULL THEN
    RETURN;
  END IF;
  IF to_regclass('app.insurance_linkages') IS NULL THEN
    RAISE EXCEPTION 'NDB連結IDの表（app.insurance_linkages）がまだありません。';
  END IF;
  RETURN QUERY EXECUTE
    'SELECT DISTINCT ON (l.patient_id) l.patient_id::bigint, l.linkage_id::text FROM app.insurance_linkages l
      WHERE l.patient_id = ANY ($1) ORDER BY l.patient_id, l.id DESC'
    USING patient_ids;
END
$$;

-- The data dictionary of a request's CSV: the fixed columns, then the
-- requested items (their definitions: sql/research/items.sql).
CREATE OR REPLACE FUNCTION app.research_dictionary_rows(r app.research_requests)
RETURNS TABLE (column_name text, label text, type text, unit text, codes jsonb, source text, note text, "order" bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT f.column_name, f.label, f.type, f.unit, f.codes, f.source, f.note, f.n::bigint FROM (VALUES
    (1, 'pseudonym', '仮名（患者ごと）', 'text', NULL::text, '[]'::jsonb, 'derived',
     'カナ氏名・生年月日・性別の鍵付きハッシュ（HMAC-SHA256、申出ごとの鍵）。同じ申出の中では年度・医療機関をまたいで同じ患者に同じ値'),
    (2, 'fiscal_year', '年度', 'integer', NULL, '[]', 'form', NULL),
    (3, 'program', '制度', 'choice', NULL,
     (SELECT jsonb_agg(jsonb_build_object('code', p.code, 'label', p.label_ja) ORDER BY p.law_code DESC) FROM app.programs p),
     'form', NULL),
    (4, 'disease_code', '疾病コード', 'choice', NULL,
     (SELECT jsonb_agg(jsonb_build_object('code', d.disease_code, 'label', d.name) ORDER BY d.disease_code)
        FROM app.diseases d WHERE d.disease_code = ANY (r.disease_codes)),
     'form', NULL),
    (5, 'age_band', '年齢階級（年度の4月1日現在、5歳階級、100歳以上はまとめる）', 'choice', NULL,
     (SELECT jsonb_agg(jsonb_build_object('code', b.code, 'label', CASE WHEN b.code = '100+' THEN '100歳以上'
                                                                        ELSE replace(b.code, '-', '〜') || '歳' END)
                       ORDER BY b.position) FROM app.research_age_bands() b),
     'derived', '生年月日から計算（生年月日そのものは含まない）'),
    (6, 'sex', '性別', 'choice', NULL, (SELECT v -> 'sexes' FROM api.vocabulary() v), 'patient', NULL),
    (7, 'prefecture_code', '都道府県（実施主体の所在）', 'choice', NULL,
     (SELECT coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'label', p.name) ORDER BY p.code), '[]')
        FROM (SELECT DISTINCT left(c.municipality_code, 2) AS code, c.prefecture AS name FROM app.postal_codes c) p),
     'municipality', '市区町村より細かい地域は含まない'),
    (8, 'primary_judgment', '一次判定（機械判定）', 'choice', NULL,
     (SELECT jsonb_agg(jsonb_build_object('code', j.code, 'label', j.label_ja) ORDER BY j.code) FROM app.primary_judgments j),
     'form', NULL),
    (9, 'certification_outcome', '認定結果', 'choice', NULL,
     (SELECT jsonb_agg(jsonb_build_object('code', x.code, 'label', x.label_ja) ORDER BY x.code) FROM app.review_results x),
     'certification', NULL)
  ) f (n, column_name, label, type, unit, codes, source, note)
  UNION ALL
  SELECT 'ndb_linkage_id', 'NDB連結ID（履歴照会・回答システムの連携ID）', 'text', NULL, '[]', 'insurance_link',
         '運営主体の管理者が NDB との連結を承認した申出だけ', 10
   WHERE r.ndb_linkage_approved
  UNION ALL
  SELECT i.item_id, i.label, i.type, i.unit, i.codes, 'form_item',
         CASE WHEN i.type = 'date' THEN '年月（YYYY-MM）だけ' WHEN i.type = 'multi_choice' THEN '複数選択: ; 区切り' END,
         100 + u.n
    FROM unnest(r.items) WITH ORDINALITY AS u (item_id, n)
    JOIN app.research_items(r.program, r.disease_codes) i ON i.item_id = u.item_id
$$;

-- The summary of an extraction: patients (distinct pseudonyms) by disease ×
-- fiscal year × sex × age band with the totals by sex, by age band and the
-- total ('*'), small cells hidden by D1's rule (app.suppress_cells: primary
-- 1–9, complementary on every row and column with its total).
CREATE OR REPLACE FUNCTION app.research_summarise(request_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  cells jsonb;
  hidden bigint;
BEGIN
  WITH slices AS (
    SELECT DISTINCT e.disease_code, e.fiscal_year FROM research.extraction_rows e WHERE e.request_id = request_id),
  sexes AS (
    SELECT DISTINCT s.sex FROM (
      SELECT c ->> 'code' AS sex FROM jsonb_array_elements((SELECT v -> 'sexes' FROM api.vocabulary() v)) c
      UNION SELECT e.sex FROM research.extraction_rows e WHERE e.request_id = request_id) s),
  grid AS (
    SELECT sl.disease_code, sl.fiscal_year, s.sex, b.code AS age_band
      FROM slices sl CROSS JOIN (SELECT sex FROM sexes UNION ALL SELECT '*') s
     CROSS JOIN (SELECT code FROM app.research_age_bands() UNION ALL SELECT '*') b),
  counted AS (
    SELECT g.*, (SELECT count(DISTINCT e.pseudonym) FROM research.extraction_rows e
                  WHERE e.request_id = request_id AND e.disease_code = g.disease_code AND e.fiscal_year = g.fiscal_year
                    AND (g.sex = '*' OR e.sex = g.sex) AND (g.age_band = '*' OR e.age_band = g.age_band)) AS n
      FROM grid g)
  SELECT jsonb_agg(jsonb_build_object(
           'cell', concat_ws('|', c.disease_code, c.fiscal_year, c.sex, c.age_band), 'value', c.n,
           'relations', jsonb_build_array(concat_ws('|', c.disease_code, c.fiscal_year, 'sex', c.sex),
                                          concat_ws('|', c.disease_code, c.fiscal_year, 'age', c.age_band))))
    INTO cells FROM counted c;
  DELETE FROM research.summary s WHERE s.request_id = request_id;
  IF cells IS NULL THEN
    RETURN 0;
  END IF;
  INSERT INTO research.summary (request_id, disease_code, fiscal_year, sex, age_band, patients, suppressed)
  SELECT request_id, split_part(x.cell, '|', 1), split_part(x.cell, '|', 2)::integer, split_part(x.cell, '|', 3),
         split_part(x.cell, '|', 4), CASE WHEN x.suppressed THEN NULL ELSE x.value END, x.suppressed
    FROM app.suppress_cells(cells) x;
  SELECT count(*) INTO hidden FROM research.summary s WHERE s.request_id = request_id AND s.suppressed;
  RETURN hidden;
END
$$;

-- The extraction itself, inside the caller's transaction (no error
-- handling here: app.run_research_extraction wraps it).
CREATE OR REPLACE FUNCTION app.research_extract(r app.research_requests)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k bytea;
  bad text;
  n integer;
BEGIN
  SELECT key INTO k FROM app.research_keys WHERE request_id = r.id;
  IF k IS NULL THEN
    RAISE EXCEPTION '申出 % の仮名化キーがありません。', r.id;
  END IF;
  -- the definitions may have changed since the request: check again
  SELECT string_agg(u.item_id, '、') INTO bad
    FROM unnest(r.items) u (item_id)
    LEFT JOIN app.research_items(r.program, r.disease_codes) i ON i.item_id = u.item_id
   WHERE i.item_id IS NULL OR i.refusal IS NOT NULL;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '研究利用に提供できない項目になりました: %', bad;
  END IF;
  DELETE FROM research.summary s WHERE s.request_id = r.id;
  DELETE FROM research.dictionary d WHERE d.request_id = r.id;
  DELETE FROM research.extraction_rows e WHERE e.request_id = r.id;

  CREATE TEMP TABLE IF NOT EXISTS research_pick (
    patient_id bigint, pseudonym text, fiscal_year integer, program text, disease_code text, age_band text, sex text,
    prefecture_code text, primary_judgment text, certification_outcome text, items jsonb, form_id bigint
  ) ON COMMIT DROP;
  TRUNCATE research_pick;
  INSERT INTO research_pick
  SELECT f.patient_id, app.research_pseudonym(k, p.name_kana, p.birth_date, p.sex), f.fiscal_year, f.program,
         f.disease_code, app.research_age_band(p.birth_date, make_date(f.fiscal_year, 4, 1)), p.sex,
         m.prefecture_code, f.judgment ->> 'primary_judgment', c.outcome,
         coalesce((SELECT jsonb_object_agg(i.item_id, app.research_value(f.data -> i.item_id, i.type))
                     FROM app.research_items(r.program, r.disease_codes) i
                    WHERE i.item_id = ANY (r.items)), '{}'),
         f.id
    FROM app.forms f
    JOIN app.research_consents rc ON rc.form_id = f.id AND rc.withdrawn_on IS NULL
    JOIN app.patients p ON p.id = f.patient_id
    LEFT JOIN app.organisations m ON m.id = f.municipality_id
    LEFT JOIN app.certifications c ON c.form_id = f.id
   WHERE f.status = 'registered' AND f.program = r.program
     AND f.disease_code = ANY (r.disease_codes) AND f.fiscal_year = ANY (r.fiscal_years);

  -- rows in pseudonym order: the order says nothing of ids or dates
  INSERT INTO research.extraction_rows (request_id, row_number, pseudonym, fiscal_year, program, disease_code, age_band,
                                        sex, prefecture_code, primary_judgment, certification_outcome, ndb_linkage_id, items)
  SELECT r.id, row_number() OVER (ORDER BY x.pseudonym, x.fiscal_year, x.disease_code, x.form_id), x.pseudonym,
         x.fiscal_year, x.program, x.disease_code, x.age_band, x.sex, x.prefecture_code, x.primary_judgment,
         x.certification_outcome, l.linkage_id, x.items
    FROM research_pick x
    LEFT JOIN app.research_ndb_linkage_ids(
      CASE WHEN r.ndb_linkage_approved THEN (SELECT array_agg(DISTINCT y.patient_id) FROM research_pick y) END) l
      ON l.patient_id = x.patient_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  TRUNCATE research_pick;

  INSERT INTO research.dictionary (request_id, position, column_name, label, type, unit, codes, source, note)
  SELECT r.id, row_number() OVER (ORDER BY d."order"), d.column_name, d.label, d.type, d.unit, coalesce(d.codes, '[]'),
         d.source, d.note
    FROM app.research_dictionary_rows(r) d;
  PERFORM app.research_summarise(r.id);
  RETURN n;
END
$$;

-- Run one approved request: done with its row count, or failed with the
-- reason and nothing of it written. Audited either way (research.run).
CREATE OR REPLACE FUNCTION app.run_research_extraction(request_id bigint)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  r app.research_requests;
  n integer;
  reason text;
BEGIN
  -- The nightly job and a run by hand may meet: a request another run holds
  -- is skipped (NULL), never extracted twice; 'running' is taken again only
  -- when no run holds it (one cut short by a crash).
  SELECT * INTO r FROM app.research_requests x WHERE x.id = request_id AND x.state IN ('approved', 'running')
     FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  BEGIN
    UPDATE app.research_requests x SET state = 'running', started_at = coalesce(x.started_at, now()), updated_at = now()
     WHERE x.id = r.id;
    n := app.research_extract(r);
    UPDATE app.research_requests x SET state = 'done', finished_at = clock_timestamp(), row_count = n, updated_at = now()
     WHERE x.id = r.id;
    PERFORM app.audit('research.run', 'success', 'research_request', r.id::text, jsonb_build_object('rows', n));
    RETURN 'done';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS reason = MESSAGE_TEXT;
    UPDATE app.research_requests x
       SET state = 'failed', failure = left(reason, 2000), started_at = coalesce(x.started_at, now()),
           finished_at = clock_timestamp(), updated_at = now()
     WHERE x.id = r.id;
    PERFORM app.audit('research.run', 'failure', 'research_request', r.id::text, jsonb_build_object('reason', reason));
    RETURN 'failed';
  END;
END
$$;

-- Run every approved request in this transaction (tests, or by hand):
-- each in a subtransaction of its own, so one failure spoils no other.
-- Answers {request id: done | failed}.
CREATE OR REPLACE FUNCTION app.run_research_extractions()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  req_id bigint;
  result jsonb := '{}';
BEGIN
  FOR req_id IN SELECT x.id FROM app.research_requests x WHERE x.state IN ('approved', 'running') ORDER BY x.id LOOP
    result := result || jsonb_build_object(req_id::text, app.run_research_extraction(req_id));
  END LOOP;
  RETURN result;
END
$$;
