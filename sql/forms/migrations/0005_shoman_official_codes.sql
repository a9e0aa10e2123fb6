-- 0.2.0, forms: the shōman form nanbyo-db had numbered S0501
-- (成長ホルモン分泌不全性低身長症) takes its official code from the disease
-- master (D4, docs/disease-master.md): S0546, 成長ホルモン分泌不全性低身長症
-- （脳の器質的原因によるものを除く。）, group 05 No.46. Officially S0501 is
-- アルドステロン症. Its stored versions become the bundled S0546 definition
-- of this build (the same items and criteria; code and name changed), and
-- every form on them is renumbered (the forms' history records it).
-- A published version never changes otherwise: its guard (made by
-- sql/forms/form_versions.sql, so absent while a new database is made) is
-- lifted for this statement only.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'app.form_versions'::regclass
                                      AND tgname = 'form_versions_before_update') THEN
    ALTER TABLE app.form_versions DISABLE TRIGGER form_versions_before_update;
  END IF;
END
$$;
UPDATE app.form_versions v
   SET definition = b.d, disease_code = b.d ->> 'disease_code', disease_name = b.d ->> 'disease_name',
       content_hash = encode(sha256(convert_to(b.d::text, 'UTF8')), 'hex')
  FROM nanbyo.bundled_form_definitions() b(d)
 WHERE v.disease_code = 'S0501' AND b.d ->> 'disease_code' = 'S0546'
   AND v.version_label = b.d ->> 'version_label';
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'app.form_versions'::regclass
                                      AND tgname = 'form_versions_before_update') THEN
    ALTER TABLE app.form_versions ENABLE TRIGGER form_versions_before_update;
  END IF;
END
$$;
UPDATE app.forms f SET disease_code = 'S0546'
  FROM app.form_versions v
 WHERE f.form_version_id = v.id AND v.disease_code = 'S0546' AND f.disease_code = 'S0501';
