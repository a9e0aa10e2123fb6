-- Helpers of the form api functions (sql/forms/).

-- Fiscal year (年度, April–March) of a date.
CREATE OR REPLACE FUNCTION app.fiscal_year(d date)
RETURNS integer LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT (extract(year FROM d) - CASE WHEN extract(month FROM d) < 4 THEN 1 ELSE 0 END)::integer $$;

-- A form, locked for update, or 404.
CREATE OR REPLACE FUNCTION app.form_for_update(form_id bigint)
RETURNS app.forms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f app.forms;
BEGIN
  SELECT * INTO f FROM app.forms WHERE id = form_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
  END IF;
  RETURN f;
END
$$;

-- Whether `me` works at `hospital` as hospital staff who write forms: a
-- doctor at their own or an approved secondary hospital (A8), a clerk at
-- their own hospital.
CREATE OR REPLACE FUNCTION app.writes_forms_at(me app.accounts, hospital bigint)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN CASE me.role
    WHEN 'clerk' THEN me.organisation_id = hospital
    -- a hospital system's API token (sql/accounts/api_tokens.sql): its hospital only
    WHEN 'api_token' THEN me.organisation_id = hospital
    WHEN 'doctor' THEN me.organisation_id = hospital OR EXISTS (
      SELECT FROM app.secondary_hospitals s
       WHERE s.account_id = me.id AND s.hospital_id = hospital AND s.status = 'approved')
    ELSE false END;
END
$$;

-- A form the caller may edit as hospital staff, locked; otherwise an error.
CREATE OR REPLACE FUNCTION app.hospital_form_for_update(me app.accounts, form_id bigint)
RETURNS app.forms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f app.forms := app.form_for_update(form_id);
BEGIN
  IF NOT app.writes_forms_at(me, f.hospital_id) THEN
    PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
  END IF;
  RETURN f;
END
$$;

-- The whole form as judged and printed: personal items and clinical data.
CREATE OR REPLACE FUNCTION app.form_full_data(f app.forms)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN coalesce((SELECT p.data FROM app.form_personal p WHERE p.form_id = f.id), '{}') || f.data;
END
$$;

-- The items of a form that come from its records, never from what is typed
-- (B1): the hospital's code and name and the doctor's name and number
-- (block doctor@1), and the consent item (consent@1), which is the form's
-- consent_db_registration.
CREATE OR REPLACE FUNCTION app.form_record_items(f app.forms)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN v.definition -> 'blocks' ? 'doctor@1' THEN jsonb_build_object(
             'medical_institution_code', h.code, 'medical_institution_name', h.name,
             'doctor_name', d.name, 'designated_doctor_number', d.designated_doctor_number) ELSE '{}' END
      || CASE WHEN v.definition -> 'blocks' ? 'consent@1'
              THEN jsonb_build_object('consent_db_registration', f.consent_db_registration) ELSE '{}' END
    FROM app.form_versions v, app.organisations h, app.accounts d
   WHERE v.id = f.form_version_id AND h.id = f.hospital_id AND d.id = f.doctor_account_id
$$;

-- Typed data may repeat a record item (a hospital system sends what it
-- has), but its identifiers may not contradict the records: a form naming
-- another hospital's code, another doctor's number or another consent is
-- refused (the names are simply filled from the records when stored).
-- `changeable`: record items the caller may change (the consent, on a draft's
-- save).
CREATE OR REPLACE FUNCTION app.refuse_record_item_changes(f app.forms, data jsonb, changeable text[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  item text;
BEGIN
  SELECT r.key INTO item
    FROM jsonb_each(app.form_record_items(f)) r
   WHERE r.key IN ('medical_institution_code', 'designated_doctor_number', 'consent_db_registration')
     AND data ? r.key AND jsonb_typeof(data -> r.key) <> 'null' AND r.key <> ALL (changeable)
     AND btrim(normalize(data ->> r.key, NFKC)) IS DISTINCT FROM (r.value #>> '{}')
   LIMIT 1;
  IF item IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_FORM_ITEM_FIXED',
      format('項目「%s」は票の医療機関・担当医・同意の記録から自動で入ります。違う値は入力できません（%s）。',
             coalesce((SELECT i ->> 'label' FROM jsonb_array_elements(nanbyo.form_items(f.form_version_id)) i
                        WHERE i ->> 'id' = item), item),
             app.form_record_items(f) ->> item),
      item);
  END IF;
END
$$;

-- Stores a form's whole data, split into the personal part and the clinical
-- part by the form version's `personal` flags. Keys with a null value are
-- removed. The record items (app.form_record_items) are always those of
-- the form's records.
CREATE OR REPLACE FUNCTION app.store_form_data(f app.forms, full_data jsonb)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  personal text[] := nanbyo.personal_items(f.form_version_id);
  cleaned jsonb := jsonb_strip_nulls(full_data || app.form_record_items(f));
  personal_part jsonb;
BEGIN
  SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO personal_part
    FROM jsonb_each(cleaned) WHERE key = ANY (personal);
  INSERT INTO app.form_personal (form_id, fiscal_year, data) VALUES (f.id, f.fiscal_year, personal_part)
  ON CONFLICT (form_id, fiscal_year) DO UPDATE SET data = EXCLUDED.data
    WHERE app.form_personal.data IS DISTINCT FROM EXCLUDED.data;
  UPDATE app.forms SET data = cleaned - personal WHERE id = f.id AND data IS DISTINCT FROM cleaned - personal;
END
$$;

-- The limits of one form's data, the same as the bulk import's
-- (extension/core/src/bulk/reader.rs Limits): items per form, characters
-- per value; and values per multiple-choice item.
CREATE OR REPLACE FUNCTION app.max_items_per_form()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 2000 $$;
CREATE OR REPLACE FUNCTION app.max_value_chars()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 4000 $$;
CREATE OR REPLACE FUNCTION app.max_values_per_item()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 200 $$;

-- The caller's data must be a JSON object of item ids, within the limits:
-- at most app.max_items_per_form() items, item ids of at most 100
-- characters, each value a scalar or an array of scalars (multiple choice)
-- of at most app.max_value_chars() characters each.
CREATE OR REPLACE FUNCTION app.require_object(data jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad record;
BEGIN
  IF data IS NULL OR jsonb_typeof(data) <> 'object' THEN
    PERFORM app.raise('22023', 'E_DATA_NOT_OBJECT', '入力データは項目IDをキーとするJSONオブジェクトで指定してください。');
  END IF;
  IF (SELECT count(*) FROM jsonb_object_keys(data)) > app.max_items_per_form() THEN
    PERFORM app.raise('54000', 'E_TOO_MANY_ITEMS',
      format('1票の項目が多すぎます（上限 %s 項目）。', app.max_items_per_form()));
  END IF;
  SELECT x.key, x.code INTO bad FROM (
    SELECT e.key, CASE
        WHEN length(e.key) > 100 THEN 'E_ITEM_ID_TOO_LONG'
        WHEN jsonb_typeof(e.value) = 'object' THEN 'E_VALUE_SHAPE'
        WHEN jsonb_typeof(e.value) = 'array' AND (jsonb_array_length(e.value) > app.max_values_per_item()
             OR EXISTS (SELECT FROM jsonb_array_elements(e.value) v WHERE jsonb_typeof(v) IN ('object', 'array')))
          THEN 'E_VALUE_SHAPE'
        WHEN jsonb_typeof(e.value) = 'array' AND EXISTS (
             SELECT FROM jsonb_array_elements(e.value) v WHERE length(v #>> '{}') > app.max_value_chars())
          THEN 'E_VALUE_TOO_LONG'
        WHEN jsonb_typeof(e.value) <> 'array' AND length(e.value #>> '{}') > app.max_value_chars()
          THEN 'E_VALUE_TOO_LONG'
      END AS code
      FROM jsonb_each(data) e) x
   WHERE x.code IS NOT NULL
   ORDER BY x.key
   LIMIT 1;
  IF bad.code = 'E_ITEM_ID_TOO_LONG' THEN
    PERFORM app.raise('54000', 'E_ITEM_ID_TOO_LONG', '項目IDが長すぎます（上限 100 文字）。');
  ELSIF bad.code = 'E_VALUE_SHAPE' THEN
    PERFORM app.raise('22023', 'E_VALUE_SHAPE',
      format('項目「%s」の値は文字・数値・真偽値か、その配列（%s 個まで）で指定してください。',
             left(bad.key, 100), app.max_values_per_item()), bad.key);
  ELSIF bad.code = 'E_VALUE_TOO_LONG' THEN
    PERFORM app.raise('54000', 'E_VALUE_TOO_LONG',
      format('項目「%s」の値が長すぎます（上限 %s 文字）。', left(bad.key, 100), app.max_value_chars()), bad.key);
  END IF;
  RETURN data;
END
$$;
