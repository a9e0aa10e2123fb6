-- The fiscal-year partitions of the forms, their personal parts and their
-- history (E3; the tables: sql/forms/migrations/0006_fiscal_year_partitions.sql).
--
-- app.form_ids keeps a form's id unique across the partitions: a form gets
-- its row there when it is created, and other tables refer to it. A form's
-- fiscal year is fixed when it is created (it decides the partition of the
-- form and of everything that belongs to it).

CREATE OR REPLACE FUNCTION app.forms_register_id()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO app.form_ids (id, fiscal_year) VALUES (NEW.id, NEW.fiscal_year);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.forms_register_id() IS '票の作成時に、その番号と年度を app.form_ids に登録する';
DROP TRIGGER IF EXISTS forms_register_id ON app.forms;
CREATE TRIGGER forms_register_id BEFORE INSERT ON app.forms
  FOR EACH ROW EXECUTE FUNCTION app.forms_register_id();

-- A personal part carries its form's hospital (the search by kana within a
-- hospital, sql/forms/form_reading.sql); a form never changes hospital.
CREATE OR REPLACE FUNCTION app.form_personal_hospital()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- the form's, or the one given when the form is written by the same
  -- statement (a bulk import) and not visible here yet
  NEW.hospital_id := coalesce((SELECT f.hospital_id FROM app.forms f
                                WHERE f.id = NEW.form_id AND f.fiscal_year = NEW.fiscal_year), NEW.hospital_id);
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS form_personal_hospital ON app.form_personal;
CREATE TRIGGER form_personal_hospital BEFORE INSERT OR UPDATE OF form_id, fiscal_year, hospital_id ON app.form_personal
  FOR EACH ROW EXECUTE FUNCTION app.form_personal_hospital();

-- a form removed (only ever by hand: no API removes a form) leaves no id
CREATE OR REPLACE FUNCTION app.forms_unregister_id()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM app.form_ids WHERE id = OLD.id;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS forms_unregister_id ON app.forms;
CREATE TRIGGER forms_unregister_id AFTER DELETE ON app.forms
  FOR EACH ROW EXECUTE FUNCTION app.forms_unregister_id();

CREATE OR REPLACE FUNCTION app.forms_fiscal_year_fixed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.fiscal_year IS DISTINCT FROM OLD.fiscal_year THEN
    PERFORM app.raise('55000', 'E_FISCAL_YEAR_FIXED', '票の年度は作成後に変更できません。');
  END IF;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS forms_fiscal_year_fixed ON app.forms;
CREATE TRIGGER forms_fiscal_year_fixed BEFORE UPDATE OF fiscal_year ON app.forms
  FOR EACH ROW EXECUTE FUNCTION app.forms_fiscal_year_fixed();
DROP TRIGGER IF EXISTS form_personal_fiscal_year_fixed ON app.form_personal;
CREATE TRIGGER form_personal_fiscal_year_fixed BEFORE UPDATE OF fiscal_year ON app.form_personal
  FOR EACH ROW EXECUTE FUNCTION app.forms_fiscal_year_fixed();

-- Makes the partitions of each table from FY2015 to years_ahead fiscal
-- years after this one (names forms_fy2027 …). Idempotent. A year whose
-- rows already went to the default partition (its partition was missing)
-- gets none: the rows stay readable there, and a warning says so.
CREATE OR REPLACE FUNCTION app.ensure_form_partitions(years_ahead integer DEFAULT 1)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  last_year integer := app.fiscal_year((now() AT TIME ZONE 'Asia/Tokyo')::date) + greatest(years_ahead, 0);
  t text;
  y integer;
  made integer := 0;
  in_default boolean;
BEGIN
  FOREACH t IN ARRAY ARRAY['forms', 'form_personal', 'form_history'] LOOP
    FOR y IN 2015 .. last_year LOOP
      CONTINUE WHEN to_regclass(format('app.%I', t || '_fy' || y)) IS NOT NULL;
      EXECUTE format('SELECT EXISTS (SELECT FROM app.%I WHERE fiscal_year = %s)', t || '_default', y) INTO in_default;
      IF in_default THEN
        RAISE WARNING 'nanbyo: fiscal year % of app.% is in the default partition; no partition of its own made', y, t
          USING DETAIL = 'E_FORM_PARTITION_IN_DEFAULT';
      ELSE
        EXECUTE format('CREATE TABLE app.%I PARTITION OF app.%I FOR VALUES FROM (%s) TO (%s)',
                       t || '_fy' || y, t, y, y + 1);
        made := made + 1;
      END IF;
    END LOOP;
  END LOOP;
  RETURN made;
END
$$;
COMMENT ON FUNCTION app.ensure_form_partitions(integer) IS '票・個人情報・変更履歴の年度別パーティションを翌年度分まで作る（毎晩 pg_cron）';

DO $$ BEGIN PERFORM app.ensure_form_partitions(); END $$;

DO $$ BEGIN
  PERFORM cron.schedule('nanbyo-form-partitions', '43 2 * * *', 'SELECT app.ensure_form_partitions()');
END $$;
