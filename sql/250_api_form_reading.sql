-- Reading forms: one form, a search, the history, and carry-over (B1, B2).
-- The reads run as the caller: row-level security (policies/300_forms.sql)
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
-- disease, status, fiscal year and hospital, paged.
-- (a named row type, not RETURNS TABLE: the CSV handler of sql/280 needs one)
DO $$
BEGIN
  IF to_regtype('api.form_search_row') IS NULL THEN
    CREATE TYPE api.form_search_row AS (
      id bigint, status text, disease_code text, purpose text, fiscal_year integer, hospital_id bigint,
      patient_id bigint, patient_name text, patient_name_kana text, primary_judgment text,
      updated_at timestamptz);
  END IF;
END
$$;
DROP FUNCTION IF EXISTS api.search_forms(text, text, text, integer, bigint, integer, integer);
CREATE OR REPLACE FUNCTION api.search_forms(
  patient_kana text DEFAULT NULL, disease_code text DEFAULT NULL, status text DEFAULT NULL,
  fiscal_year integer DEFAULT NULL, hospital_id bigint DEFAULT NULL,
  "limit" integer DEFAULT 50, "offset" integer DEFAULT 0)
RETURNS SETOF api.form_search_row
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH page AS MATERIALIZED (
    SELECT f.id, f.status, f.disease_code, f.purpose, f.fiscal_year, f.hospital_id, f.patient_id,
           p.data ->> 'patient_name' AS patient_name, p.data ->> 'patient_name_kana' AS patient_name_kana,
           f.judgment ->> 'primary_judgment' AS primary_judgment, f.updated_at
      FROM app.forms f
      LEFT JOIN app.form_personal p ON p.form_id = f.id
     WHERE (search_forms.disease_code IS NULL OR f.disease_code = search_forms.disease_code)
       AND (search_forms.status IS NULL OR f.status = search_forms.status)
       AND (search_forms.fiscal_year IS NULL OR f.fiscal_year = search_forms.fiscal_year)
       AND (search_forms.hospital_id IS NULL OR f.hospital_id = search_forms.hospital_id)
       AND (search_forms.patient_kana IS NULL
            OR p.data ->> 'patient_name_kana' LIKE replace(replace(replace(search_forms.patient_kana,
                 '\', '\\'), '%', '\%'), '_', '\_') || '%')
     ORDER BY f.updated_at DESC, f.id DESC
     LIMIT least(greatest(coalesce(search_forms."limit", 50), 1), 500)
     OFFSET greatest(coalesce(search_forms."offset", 0), 0)),
  logged AS MATERIALIZED (
    SELECT app.audit_read('forms', 'form', array_agg(page.id::text ORDER BY page.id),
      jsonb_strip_nulls(jsonb_build_object('patient_kana', app.audit_value_hash(search_forms.patient_kana),
        'disease_code', search_forms.disease_code, 'status', search_forms.status))) AS done
      FROM page)
  SELECT page.* FROM page CROSS JOIN logged ORDER BY page.updated_at DESC, page.id DESC
$$;
COMMENT ON FUNCTION api.search_forms(text, text, text, integer, bigint, integer, integer) IS
  '票の検索（患者カナ・疾病・状態・年度・医療機関）';

-- Carry-overs in the last hour above which the operator is told (B2).
CREATE OR REPLACE FUNCTION app.carry_over_flag_threshold()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 50 $$;

-- POST /rpc/carry_over_form {"source_form_id" | "access_key", "purpose"}
-- (doctor, clerk; B2): this year's draft from the patient's earlier form of
-- the same disease, on the version in force. A form of the caller's
-- hospitals is named by id; a form of another hospital by its access key
-- (the patient's consent), which also registers the patient here.
CREATE OR REPLACE FUNCTION api.carry_over_form(
  source_form_id bigint DEFAULT NULL, access_key text DEFAULT NULL, purpose text DEFAULT 'renewal',
  doctor_account_id bigint DEFAULT NULL, consent_db_registration boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  source app.forms;
  lookup record;
  p app.patients;
  v app.form_versions;
  carried jsonb;
  f app.forms;
  recent integer;
BEGIN
  IF me.role NOT IN ('doctor', 'clerk') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '前回値踏襲は医療機関の指定医・クラークが行います。');
  END IF;
  IF access_key IS NOT NULL AND me.role <> 'doctor' THEN
    -- B7: another hospital's form is opened with the patient's consent by a doctor
    PERFORM app.raise('42501', 'E_DOCTOR_ONLY',
      'アクセスキーで他の医療機関の票から前回値踏襲できるのは指定医だけです。');
  END IF;
  IF (source_form_id IS NULL) = (access_key IS NULL) THEN
    PERFORM app.raise('22023', 'E_CARRY_OVER_SOURCE', '元の票を source_form_id か access_key のどちらか一方で指定してください。');
  END IF;
  IF source_form_id IS NOT NULL THEN
    SELECT * INTO source FROM app.forms x WHERE x.id = source_form_id;
    IF NOT FOUND OR NOT app.writes_forms_at(me, source.hospital_id) THEN
      PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
    END IF;
    SELECT * INTO p FROM app.patients x WHERE x.id = source.patient_id;
  ELSE
    SELECT * INTO lookup FROM app.form_by_access_key(me, access_key, 'carry_over');
    IF lookup.refusal IS NOT NULL THEN
      RETURN lookup.refusal;
    END IF;
    source := lookup.form;
    IF app.writes_forms_at(me, source.hospital_id) THEN
      SELECT * INTO p FROM app.patients x WHERE x.id = source.patient_id;
    ELSE
      -- the patient comes to this hospital: register them from the patient record
      INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, created_by)
      SELECT me.organisation_id, x.name, x.name_kana, x.birth_date, x.sex, x.postal_code, x.address, me.id
        FROM app.patients x WHERE x.id = source.patient_id
      RETURNING * INTO p;
      PERFORM app.audit('patient.register', 'success', 'patient', p.id::text,
                        jsonb_build_object('from_form_id', source.id));
    END IF;
  END IF;
  IF source.status = 'draft' THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', '下書きの票からは前回値踏襲できません。');
  END IF;
  v := app.registrable_form_version(source.disease_code);
  carried := nanbyo.carry_over(source.form_version_id, v.id, app.form_full_data(source));
  -- a clerk's carry-over goes to last year's doctor unless another is named
  f := app.create_draft(me, p, v, purpose,
                        app.form_doctor(me, coalesce(doctor_account_id,
                                                     CASE WHEN me.role = 'clerk' THEN source.doctor_account_id END),
                                        p.hospital_id, v.program),
                        consent_db_registration, carried -> 'data', source.id);
  PERFORM app.audit('form.carry_over', 'success', 'form', f.id::text,
    jsonb_build_object('source_form_id', source.id, 'copied', jsonb_array_length(carried -> 'copied'),
                       'dropped', carried -> 'dropped', 'via', CASE WHEN access_key IS NULL THEN 'form' ELSE 'access_key' END));
  SELECT count(*) INTO recent FROM app.audit_log l
   WHERE l.actor_account_id = me.id AND l.action = 'form.carry_over' AND l.at > now() - interval '1 hour';
  IF recent > app.carry_over_flag_threshold() AND NOT EXISTS (
       SELECT FROM app.monitoring_flags m
        WHERE m.account_id = me.id AND m.kind = 'carry_over_volume' AND m.at > now() - interval '1 hour') THEN
    INSERT INTO app.monitoring_flags (account_id, kind, detail)
    VALUES (me.id, 'carry_over_volume', jsonb_build_object('last_hour', recent));
  END IF;
  RETURN app.form_answer(f.id) || jsonb_build_object(
    'carried_over_from', source.id, 'copied', carried -> 'copied',
    'dropped', carried -> 'dropped', 'new_items', carried -> 'new_items');
END
$$;
COMMENT ON FUNCTION api.carry_over_form(bigint, text, text, bigint, boolean) IS '前回値踏襲: 前回の票から今年度の下書きを作る';

-- GET /monitoring_flags: what the operator is told to look at.
CREATE OR REPLACE VIEW api.monitoring_flags
WITH (security_invoker = true) AS
SELECT m.id, m.at, m.account_id, m.kind, m.detail FROM app.monitoring_flags m;
COMMENT ON VIEW api.monitoring_flags IS '運営主体への注意喚起（前回値踏襲の多用など）';

-- GET /form_versions: the form definitions (master data), for clients that
-- check a form as it is typed with the same JSONLogic rules (FORMS.md).
CREATE OR REPLACE VIEW api.form_versions
WITH (security_invoker = true) AS
SELECT id, disease_code, program, disease_name, version_label, effective_from, online_until, definition
  FROM app.form_versions;
COMMENT ON VIEW api.form_versions IS '様式マスタ（疾病ごとの様式の版と定義）';
