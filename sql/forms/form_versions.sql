-- Form versions (様式): the table's guards (a published definition never
-- changes; its descriptive columns come from the definition), the version
-- a new form uses, and GET /form_versions.

CREATE OR REPLACE FUNCTION app.form_versions_before_insert()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  summary jsonb := nanbyo.validate_form_definition(NEW.definition);
BEGIN
  NEW.disease_code   := summary ->> 'disease_code';
  NEW.program        := summary ->> 'program';
  NEW.disease_name   := summary ->> 'disease_name';
  NEW.version_label  := summary ->> 'version_label';
  NEW.effective_from := (summary ->> 'effective_from')::date;
  NEW.online_until   := COALESCE(NEW.online_until, (summary ->> 'online_until')::date);
  NEW.content_hash   := encode(sha256(convert_to(NEW.definition::text, 'UTF8')), 'hex');
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION app.form_versions_before_update()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF (NEW.id, NEW.disease_code, NEW.program, NEW.disease_name, NEW.version_label,
      NEW.effective_from, NEW.definition, NEW.content_hash, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.disease_code, OLD.program, OLD.disease_name, OLD.version_label,
      OLD.effective_from, OLD.definition, OLD.content_hash, OLD.created_at) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = '公開済みの様式定義は変更できません。新しい版として登録してください。',
      DETAIL  = 'E_FORM_VERSION_IMMUTABLE';
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION app.form_versions_before_delete()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'object_not_in_prerequisite_state',
    MESSAGE = '様式は削除できません（過去の様式で登録された票が参照します）。',
    DETAIL  = 'E_FORM_VERSION_IMMUTABLE';
END
$$;

DROP TRIGGER IF EXISTS form_versions_before_insert ON app.form_versions;
CREATE TRIGGER form_versions_before_insert BEFORE INSERT ON app.form_versions
  FOR EACH ROW EXECUTE FUNCTION app.form_versions_before_insert();
DROP TRIGGER IF EXISTS form_versions_before_update ON app.form_versions;
CREATE TRIGGER form_versions_before_update BEFORE UPDATE ON app.form_versions
  FOR EACH ROW EXECUTE FUNCTION app.form_versions_before_update();
DROP TRIGGER IF EXISTS form_versions_before_delete ON app.form_versions;
CREATE TRIGGER form_versions_before_delete BEFORE DELETE ON app.form_versions
  FOR EACH ROW EXECUTE FUNCTION app.form_versions_before_delete();


-- The general forms (一般様式, machine_judgment false in the definition):
-- one per program, for the designated diseases without a form of their
-- own. Their codes name no disease.
CREATE OR REPLACE FUNCTION app.general_form_code(program text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE program WHEN 'nanbyo' THEN 'N000' WHEN 'shoman' THEN 'S0000' END $$;

CREATE OR REPLACE FUNCTION app.is_general_form_code(disease_code text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT disease_code IN ('N000', 'S0000') $$;

-- The form version a new form of a disease uses (B1, D4): the disease's own
-- version in force, if it may still be registered online; for a designated
-- disease of the master (app.diseases, in force today) without a version
-- of its own, its program's general form.
CREATE OR REPLACE FUNCTION app.registrable_form_version(disease_code text)
RETURNS app.form_versions
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v app.form_versions;
  d app.diseases;
  version_id bigint;
BEGIN
  IF app.is_general_form_code(registrable_form_version.disease_code) THEN
    PERFORM app.raise('P0002', 'E_UNKNOWN_DISEASE',
      format('「%s」は一般様式の番号で、疾病のコードではありません。疾病のコード（例 N006）を指定してください。',
             registrable_form_version.disease_code));
  END IF;
  IF NOT EXISTS (SELECT FROM app.form_versions x WHERE x.disease_code = registrable_form_version.disease_code) THEN
    SELECT * INTO d FROM app.diseases x WHERE x.disease_code = registrable_form_version.disease_code;
    IF FOUND THEN
      IF d.effective_from > current_date OR d.effective_until < current_date THEN
        PERFORM app.raise('55000', 'E_DISEASE_NOT_IN_FORCE',
          format('「%s」（%s）は%sの対象ではありません（%s〜%s）。', d.name, d.disease_code,
                 CASE d.program WHEN 'nanbyo' THEN '指定難病' ELSE '小児慢性特定疾病' END,
                 coalesce(to_char(d.effective_from, 'YYYY-MM-DD'), ''), coalesce(to_char(d.effective_until, 'YYYY-MM-DD'), '')));
      END IF;
      registrable_form_version.disease_code := app.general_form_code(d.program);
    END IF;
  END IF;
  -- the one rule of which version is in force: the extension's (an
  -- unknown disease is its E_UNKNOWN_DISEASE, 404 over HTTP)
  version_id := nanbyo.form_version_in_force(registrable_form_version.disease_code);
  SELECT * INTO v FROM app.form_versions x WHERE x.id = version_id;
  PERFORM app.raise_problem(app.version_closed_problem(v.online_until, v.disease_name || ' ' || v.version_label), '55000');
  RETURN v;
END
$$;

-- A form's disease name: the disease master's, else its form version's.
CREATE OR REPLACE FUNCTION app.disease_name(disease_code text, form_version_id bigint)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce((SELECT d.name FROM app.diseases d WHERE d.disease_code = disease_name.disease_code),
                  (SELECT v.disease_name FROM app.form_versions v WHERE v.id = disease_name.form_version_id))
$$;


-- GET /form_versions: the form definitions (master data), for clients that
-- check a form as it is typed with the same JSONLogic rules (FORMS.md).
CREATE OR REPLACE VIEW api.form_versions
WITH (security_invoker = true) AS
SELECT id, disease_code, program, disease_name, version_label, effective_from, online_until, definition
  FROM app.form_versions;
COMMENT ON VIEW api.form_versions IS '様式マスタ（疾病ごとの様式の版と定義）';
