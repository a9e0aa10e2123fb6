-- Helpers of the form api functions (sql/230–260).

-- Fiscal year (年度, April–March) of a date.
CREATE OR REPLACE FUNCTION app.fiscal_year(d date)
RETURNS integer LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog
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

-- Stores a form's whole data, split into the personal part and the clinical
-- part by the form version's `personal` flags. Keys with a null value are
-- removed.
CREATE OR REPLACE FUNCTION app.store_form_data(f app.forms, full_data jsonb)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  personal text[] := nanbyo.personal_items(f.form_version_id);
  cleaned jsonb := jsonb_strip_nulls(full_data);
  personal_part jsonb;
BEGIN
  SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO personal_part
    FROM jsonb_each(cleaned) WHERE key = ANY (personal);
  INSERT INTO app.form_personal (form_id, data) VALUES (f.id, personal_part)
  ON CONFLICT (form_id) DO UPDATE SET data = EXCLUDED.data
    WHERE app.form_personal.data IS DISTINCT FROM EXCLUDED.data;
  UPDATE app.forms SET data = cleaned - personal WHERE id = f.id AND data IS DISTINCT FROM cleaned - personal;
END
$$;

-- The caller's data must be a JSON object of item ids.
CREATE OR REPLACE FUNCTION app.require_object(data jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog
AS $$
BEGIN
  IF data IS NULL OR jsonb_typeof(data) <> 'object' THEN
    PERFORM app.raise('22023', 'E_DATA_NOT_OBJECT', '入力データは項目IDをキーとするJSONオブジェクトで指定してください。');
  END IF;
  RETURN data;
END
$$;

-- The form version a new form uses: the one in force for the disease, if it
-- may still be registered online (B1).
CREATE OR REPLACE FUNCTION app.registrable_form_version(disease_code text)
RETURNS app.form_versions
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v app.form_versions;
BEGIN
  IF NOT EXISTS (SELECT FROM app.form_versions x
                  WHERE x.disease_code = registrable_form_version.disease_code AND x.effective_from <= current_date) THEN
    -- raised here rather than by the extension, so that HTTP says 404
    PERFORM app.raise('P0002', 'E_UNKNOWN_DISEASE',
      format('疾病コード「%s」の現在有効な様式が見つかりません。', registrable_form_version.disease_code));
  END IF;
  SELECT * INTO v FROM app.form_versions x
   WHERE x.id = nanbyo.form_version_in_force(registrable_form_version.disease_code);
  IF v.online_until IS NOT NULL AND v.online_until < current_date THEN
    PERFORM app.raise('55000', 'E_FORM_VERSION_CLOSED',
      format('様式「%s %s」はオンラインで登録できる期間を過ぎています。', v.disease_name, v.version_label));
  END IF;
  RETURN v;
END
$$;

-- Monitoring flags for the operator (B2: unusually many carry-overs).
CREATE TABLE IF NOT EXISTS app.monitoring_flags (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  account_id  bigint NOT NULL REFERENCES app.accounts (id),
  kind        text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS monitoring_flags_account ON app.monitoring_flags (account_id, kind, at);
COMMENT ON TABLE app.monitoring_flags IS '運営主体への注意喚起（前回値踏襲の多用など）';
