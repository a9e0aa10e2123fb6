-- Form versions (様式): one row per disease form version, its definition a
-- JSON document (extension/core/FORMS.md). A new disease or a new version is
-- a new row; no code changes. The definition is checked by the extension on
-- insert, and the descriptive columns are taken from it, so the two never
-- disagree. Rows are immutable except `online_until` (set when a newer
-- version replaces this one online: B1): the extension caches compiled
-- definitions by id and content hash.
CREATE TABLE IF NOT EXISTS app.form_versions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  disease_code    text NOT NULL,
  program         text NOT NULL CHECK (program IN ('nanbyo', 'shoman')),
  disease_name    text NOT NULL,
  version_label   text NOT NULL,
  effective_from  date NOT NULL,
  online_until    date,
  definition      jsonb NOT NULL,
  content_hash    text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (disease_code, version_label),
  CHECK (online_until IS NULL OR online_until >= effective_from)
);
COMMENT ON TABLE app.form_versions IS '様式マスタ: 疾病ごとの様式の版と、その定義（JSON）';
COMMENT ON COLUMN app.form_versions.online_until IS 'オンライン登録できる最終日（新しい様式の公開で設定）';

-- "The version in force today" looks up by disease and date.
CREATE INDEX IF NOT EXISTS form_versions_disease_effective
  ON app.form_versions (disease_code, effective_from DESC);

CREATE OR REPLACE FUNCTION app.form_versions_before_insert()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
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
SET search_path = pg_catalog
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
