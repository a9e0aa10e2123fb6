-- A search by kana within a hospital reads only that hospital's matches
-- (issue #22: search_forms among ten years of forms). The personal part
-- carries its form's hospital (a form never changes hospital), filled by a
-- trigger from the form (sql/forms/form_partitions.sql), and an index of
-- (hospital, kana) finds a hospital's patients by a kana prefix without
-- reading the other hospitals' ones or every form of the hospital.
ALTER TABLE app.form_personal ADD COLUMN hospital_id bigint;
UPDATE app.form_personal p SET hospital_id = f.hospital_id
  FROM app.forms f WHERE f.id = p.form_id AND f.fiscal_year = p.fiscal_year;
ALTER TABLE app.form_personal ALTER COLUMN hospital_id SET NOT NULL;
COMMENT ON COLUMN app.form_personal.hospital_id IS '票の医療機関（票から写す。検索用）';
CREATE INDEX form_personal_hospital_kana
  ON app.form_personal (hospital_id, (data ->> 'patient_name_kana') text_pattern_ops);
