-- The form versions shipped with this build (extension/core/forms/).
-- Re-running adds only versions not yet present.
INSERT INTO app.form_versions (definition)
SELECT d FROM nanbyo.bundled_form_definitions() AS d
ON CONFLICT (disease_code, version_label) DO NOTHING;
