-- 0.2.0, forms: indexes for complete searches (api.search_forms returns
-- every form that fits, newest change first; #17). A hospital's forms by
-- last change, and the patient's reading on the form's personal part for
-- the kana prefix search.
CREATE INDEX forms_hospital_updated ON app.forms (hospital_id, updated_at DESC, id DESC);
CREATE INDEX form_personal_kana ON app.form_personal ((data ->> 'patient_name_kana') text_pattern_ops);
