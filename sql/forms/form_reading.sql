-- Reading forms: one form, a search, the history, and carry-over (B1, B2).
-- The reads run as the caller: row-level security (policies/forms/forms.sql)
-- decides which forms exist for them. Every read of personal data is logged.

-- POST /rpc/get_form {"form_id"} (POST: the read is logged): the whole form, its comments and history summary.
CREATE OR REPLACE FUNCTION api.get_form(form_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  f app.forms;
BEGIN
  SELECT * INTO f FROM app.forms x WHERE x.id = form_id;  -- under RLS
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
  END IF;
  PERFORM app.audit_read('form', 'form', ARRAY[f.id::text]);
  RETURN app.form_document(f) || jsonb_build_object(
    'comments', app.form_comment_list(f.id),
    'history', app.form_history_summary(f.id));
END
$$;
COMMENT ON FUNCTION api.get_form(bigint) IS '票の参照（全項目・コメント・履歴）: 参照は操作ログに残る';

CREATE OR REPLACE FUNCTION app.form_comment_list(form_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'item_id', c.item_id, 'body', c.body,
                                               'author', a.name, 'author_role', a.role, 'created_at', c.created_at)
                            ORDER BY c.id), '[]')
    FROM app.form_comments c JOIN app.accounts a ON a.id = c.author_account_id
   WHERE c.form_id = form_comment_list.form_id
$$;

CREATE OR REPLACE FUNCTION app.form_history_summary(form_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('at', h.at, 'part', h.part, 'status', h.status,
                                               'by', a.name, 'by_role', a.role) ORDER BY h.id), '[]')
    FROM app.form_history h LEFT JOIN app.accounts a ON a.id = h.actor_account_id
   WHERE h.form_id = form_history_summary.form_id
$$;

-- POST /rpc/search_forms: forms the caller may see, by patient kana (prefix),
-- disease, status, fiscal year and hospital. Complete: every form that fits
-- the arguments, newest change first, so that PostgREST's own filters,
-- order, paging (?limit=, Range) and Prefer: count=exact apply to the whole
-- result and agree. "limit" and "offset" are optional (no limit by
-- default); with them the function pages itself, which is much faster on
-- a large hospital (BENCHMARKS.md), and the X-Total-Count header gives the
-- number of every match. POST only: the read is audit-logged (the ids of every form the
-- request could return, and a keyed hash of the kana searched for), and
-- PostgREST runs GET read-only.
-- (a named row type, not RETURNS TABLE: the CSV handler of sql/foundation/csv_output.sql needs one)
CREATE TYPE api.form_search_row AS (
  id bigint, status text, disease_code text, purpose text, fiscal_year integer, hospital_id bigint,
  patient_id bigint, patient_name text, patient_name_kana text, primary_judgment text,
  updated_at timestamptz);
-- The forms whose patient's kana starts with a prefix, as candidates for
-- app.forms_found: a hospital's staff get their hospitals' ones from the
-- (hospital, kana) index; other callers every hospital's (the kana index).
-- Only ids, and only a narrowing: app.forms_found keeps of them what the
-- caller's policies let them see, and checks the kana again on what it reads.
CREATE OR REPLACE FUNCTION app.forms_with_kana(patient_kana text)
RETURNS bigint[]
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  pattern text := app.prefix_pattern(patient_kana);
  hospitals bigint[] := CASE app.jwt_claim('role')
                          WHEN 'doctor' THEN app.current_hospital_ids()
                          WHEN 'clerk' THEN ARRAY[app.current_organisation_id()] END;
BEGIN
  IF hospitals IS NOT NULL THEN
    RETURN ARRAY(SELECT p.form_id FROM app.form_personal p
                  WHERE p.hospital_id = ANY (hospitals) AND p.data ->> 'patient_name_kana' LIKE pattern);
  END IF;
  RETURN ARRAY(SELECT p.form_id FROM app.form_personal p WHERE p.data ->> 'patient_name_kana' LIKE pattern);
END
$$;
COMMENT ON FUNCTION app.forms_with_kana(text) IS 'カナの前方一致で票の候補を絞る（検索用。可視性は呼出し側の RLS が決める）';

-- The forms that fit a search, as the caller sees them (RLS): one query for
-- api.search_forms' audit entry and its answer, so the two cannot differ.
CREATE OR REPLACE FUNCTION app.forms_found(
  patient_kana text, disease_code text, status text, fiscal_year integer, hospital_id bigint)
RETURNS SETOF api.form_search_row
LANGUAGE sql
STABLE
AS $$
  SELECT f.id, f.status, f.disease_code, f.purpose, f.fiscal_year, f.hospital_id, f.patient_id,
         p.data ->> 'patient_name' AS patient_name, p.data ->> 'patient_name_kana' AS patient_name_kana,
         f.judgment ->> 'primary_judgment' AS primary_judgment, f.updated_at
    FROM app.forms f
    -- each form's personal part by its key, in its year's partition: the
    -- forms the caller may see are found first (by their own policies and
    -- indexes), never every personal part of every hospital (OFFSET 0
    -- keeps the planner from turning the join round)
    LEFT JOIN LATERAL (SELECT pp.data FROM app.form_personal pp
                        WHERE pp.form_id = f.id AND pp.fiscal_year = f.fiscal_year OFFSET 0) p ON true
   WHERE (forms_found.disease_code IS NULL OR f.disease_code = forms_found.disease_code)
     AND (forms_found.status IS NULL OR f.status = forms_found.status)
     AND (forms_found.fiscal_year IS NULL OR f.fiscal_year = forms_found.fiscal_year)
     AND (forms_found.hospital_id IS NULL OR f.hospital_id = forms_found.hospital_id)
     AND (forms_found.patient_kana IS NULL
          -- (a sub-select: the candidates are looked up once, not once per partition)
          OR f.id = ANY ((SELECT app.forms_with_kana(forms_found.patient_kana))::bigint[])
             AND p.data ->> 'patient_name_kana' LIKE app.prefix_pattern(forms_found.patient_kana))
$$;

CREATE OR REPLACE FUNCTION api.search_forms(
  patient_kana text DEFAULT NULL, disease_code text DEFAULT NULL, status text DEFAULT NULL,
  fiscal_year integer DEFAULT NULL, hospital_id bigint DEFAULT NULL,
  "limit" integer DEFAULT NULL, "offset" integer DEFAULT 0)
RETURNS SETOF api.form_search_row
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found_ids bigint[];
  years integer[];
  total bigint;
BEGIN
  -- the page's ids (and their fiscal years), and the number of every match
  -- counted in the same pass
  SELECT coalesce(array_agg(x.id ORDER BY x.updated_at DESC, x.id DESC), '{}'),
         coalesce(array_agg(x.fiscal_year ORDER BY x.updated_at DESC, x.id DESC), '{}'), max(x.total)
    INTO found_ids, years, total FROM (
    SELECT r.id, r.fiscal_year, r.updated_at, count(*) OVER () AS total
      FROM app.forms_found(patient_kana, disease_code, status, fiscal_year, hospital_id) r
     ORDER BY r.updated_at DESC, r.id DESC
     LIMIT CASE WHEN search_forms."limit" IS NOT NULL THEN greatest(search_forms."limit", 0) END  -- NULL: all
     OFFSET greatest(coalesce(search_forms."offset", 0), 0)) x;
  IF total IS NULL AND (coalesce(search_forms."offset", 0) > 0 OR search_forms."limit" IS NOT NULL) THEN
    -- an empty page (past the end, or limit 0) holds no row to carry the total
    total := (SELECT count(*) FROM app.forms_found(patient_kana, disease_code, status, fiscal_year, hospital_id));
  END IF;
  -- every match, whatever the page: a client that pages with the function's
  -- own "limit"/"offset" (fast on a large hospital) reads the total here
  PERFORM app.add_response_header('X-Total-Count', coalesce(total, 0)::text);
  -- logged first, even when nothing matched
  PERFORM app.audit_read('forms', 'form', found_ids::text[],
    jsonb_strip_nulls(jsonb_build_object('patient_kana', app.audit_value_hash(search_forms.patient_kana),
      'disease_code', search_forms.disease_code, 'status', search_forms.status, 'matched', cardinality(found_ids))));
  -- the rows of exactly the forms logged, in their order (the personal
  -- items read for these only)
  IF search_forms."limit" IS NOT NULL THEN
    -- a page: each form looked up by its id in its fiscal year's partition
    -- (the kana is not matched again: the ids are the matches, and their
    -- candidates need not be looked up per row)
    RETURN QUERY
      -- (bigint ids: an equality of bigints is leakproof, so it can use the
      -- id index under the row-level security policies; a cast from text
      -- could not, and each id cost a scan of the hospital's forms)
      SELECT r.* FROM unnest(found_ids, years) WITH ORDINALITY AS u (id, fy, n)
       CROSS JOIN LATERAL (SELECT * FROM app.forms_found(NULL, disease_code, status, fiscal_year, hospital_id) x
                            WHERE x.id = u.id AND x.fiscal_year = u.fy
                            OFFSET 0) r  -- (each id by its index, never a join over every form of the hospital)
       ORDER BY u.n;
  ELSE
    -- everything: one pass, matched with the ids logged
    RETURN QUERY
      SELECT r.* FROM app.forms_found(patient_kana, disease_code, status, fiscal_year, hospital_id) r
        JOIN unnest(found_ids) WITH ORDINALITY AS u (id, n) ON u.id = r.id
       ORDER BY u.n;
  END IF;
END
$$;
COMMENT ON FUNCTION api.search_forms(text, text, text, integer, bigint, integer, integer) IS
  '票の検索（患者カナ・疾病・状態・年度・医療機関）';
