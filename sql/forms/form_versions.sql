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
  version_id bigint;
BEGIN
  -- the one rule of which version is in force: the extension's (an
  -- unknown disease is its E_UNKNOWN_DISEASE, 404 over HTTP)
  version_id := nanbyo.form_version_in_force(registrable_form_version.disease_code);
  SELECT * INTO v FROM app.form_versions x WHERE x.id = version_id;
  PERFORM app.raise_problem(app.version_closed_problem(v.online_until, v.disease_name || ' ' || v.version_label), '55000');
  RETURN v;
END
$$;


-- GET /form_versions: the form definitions (master data), for clients that
-- check a form as it is typed with the same JSONLogic rules (FORMS.md).
CREATE OR REPLACE VIEW api.form_versions
WITH (security_invoker = true) AS
SELECT id, disease_code, program, disease_name, version_label, effective_from, online_until, definition
  FROM app.form_versions;
COMMENT ON VIEW api.form_versions IS '様式マスタ（疾病ごとの様式の版と定義）';
