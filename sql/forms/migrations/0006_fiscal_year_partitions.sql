-- The forms, their personal parts and their history partitioned by fiscal
-- year (E3, issue #22): ten years of about 1.2 million forms a year, each
-- year in tables of its own with its own indexes. A year's statistics and
-- research extractions read only that year's partitions; an old year can
-- be moved to other storage or vacuumed on its own; the indexes a request
-- walks stay the size of one year.
--
-- PostgreSQL requires the partition key in every unique constraint of a
-- partitioned table, so a form's id alone can no longer be unique in
-- app.forms. app.form_ids holds every form's id with its fiscal year: the
-- ids are unique there, app.forms points to it by (id, fiscal_year), and
-- the tables that refer to a form by its id (access keys, certifications,
-- imports, …) now point to app.form_ids. A trigger of app.forms
-- (sql/forms/form_partitions.sql) adds the id when a form is created; a
-- form's fiscal year never changes.
--
-- One partition per fiscal year from FY2015 (the designated-disease system
-- began in January 2015) to the next fiscal year, named forms_fy2026 and so
-- on; a default partition takes a year that has none yet, so an insert
-- never fails. app.ensure_form_partitions (sql/forms/form_partitions.sql)
-- makes the next year's partitions every night with pg_cron.
--
-- The rows move over with their ids and history; the identities continue
-- after them. The triggers, policies and grants are made again by the code
-- files, on the new tables.

-- functions taking or returning the old row types go; the code files make
-- them again on the new tables right after this migration
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.prorettype IN ('app.forms'::regtype, 'app.form_personal'::regtype, 'app.form_history'::regtype)
               OR p.proargtypes::oid[] && ARRAY['app.forms'::regtype, 'app.form_personal'::regtype,
                                                'app.form_history'::regtype]::oid[] LOOP
    EXECUTE format('DROP FUNCTION %s', f);
  END LOOP;
END
$$;

-- the references to a form, pointed at app.form_ids at the end
ALTER TABLE app.form_comments DROP CONSTRAINT form_comments_form_id_fkey;
ALTER TABLE app.access_keys DROP CONSTRAINT access_keys_form_id_fkey;
ALTER TABLE app.form_imports DROP CONSTRAINT form_imports_form_id_fkey;
ALTER TABLE app.scan_assignments DROP CONSTRAINT scan_assignments_form_id_fkey;
ALTER TABLE app.certifications DROP CONSTRAINT certifications_form_id_fkey;
ALTER TABLE app.research_consents DROP CONSTRAINT research_consents_form_id_fkey;
ALTER TABLE app.paper_scans DROP CONSTRAINT paper_scans_form_id_fkey;
ALTER TABLE app.insurance_identifiers DROP CONSTRAINT insurance_identifiers_form_id_fkey;

ALTER TABLE app.form_history RENAME TO form_history_unpartitioned;
ALTER INDEX app.form_history_pkey RENAME TO form_history_unpartitioned_pkey;
ALTER SEQUENCE app.form_history_id_seq RENAME TO form_history_unpartitioned_id_seq;
DROP INDEX app.form_history_form;
ALTER TABLE app.form_personal RENAME TO form_personal_unpartitioned;
ALTER INDEX app.form_personal_pkey RENAME TO form_personal_unpartitioned_pkey;
DROP INDEX app.form_personal_kana;
ALTER TABLE app.forms RENAME TO forms_unpartitioned;
ALTER INDEX app.forms_pkey RENAME TO forms_unpartitioned_pkey;
ALTER SEQUENCE app.forms_id_seq RENAME TO forms_unpartitioned_id_seq;
DROP INDEX app.forms_hospital, app.forms_municipality, app.forms_patient_disease, app.forms_doctor,
           app.forms_carried_over_from, app.forms_hospital_updated;

-- Every form's id, once: what other tables refer to.
CREATE TABLE app.form_ids (
  id           bigint PRIMARY KEY,
  fiscal_year  integer NOT NULL,
  CONSTRAINT form_ids_id_fiscal_year UNIQUE (id, fiscal_year)
);
COMMENT ON TABLE app.form_ids IS '票の番号と年度（年度別パーティションをまたいで番号が一意であることを保証し、他の表はここを参照する）';
INSERT INTO app.form_ids (id, fiscal_year) SELECT id, fiscal_year FROM app.forms_unpartitioned ORDER BY id;

CREATE TABLE app.forms (
  id                      bigint GENERATED ALWAYS AS IDENTITY,
  patient_id              bigint NOT NULL REFERENCES app.patients (id),
  form_version_id         bigint NOT NULL REFERENCES app.form_versions (id),
  disease_code            text NOT NULL,
  program                 text NOT NULL REFERENCES app.programs (code),
  hospital_id             bigint NOT NULL REFERENCES app.organisations (id),
  doctor_account_id       bigint NOT NULL REFERENCES app.accounts (id),
  created_by              bigint NOT NULL REFERENCES app.accounts (id),
  purpose                 text NOT NULL REFERENCES app.form_purposes (code),
  consent_db_registration boolean NOT NULL DEFAULT false,
  consent_recorded_at     timestamptz,
  status                  text NOT NULL DEFAULT 'draft' REFERENCES app.form_statuses (code),
  data                    jsonb NOT NULL DEFAULT '{}' CONSTRAINT forms_data_check CHECK (jsonb_typeof(data) = 'object'),
  judgment                jsonb,
  fiscal_year             integer NOT NULL,
  carried_over_from       bigint CONSTRAINT forms_carried_over_from_fkey REFERENCES app.form_ids (id),
  confirmed_at            timestamptz,
  confirmed_by            bigint REFERENCES app.accounts (id),
  issued_at               timestamptz,
  municipality_id         bigint REFERENCES app.organisations (id),
  taken_over_at           timestamptz,
  taken_over_by           bigint REFERENCES app.accounts (id),
  review_result           text REFERENCES app.review_results (code),
  reviewed_at             timestamptz,
  reviewed_by             bigint REFERENCES app.accounts (id),
  registered_at           timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  entry_channel           text NOT NULL DEFAULT 'online'
    CONSTRAINT forms_entry_channel CHECK (entry_channel IN ('online', 'xml', 'paper')),
  CONSTRAINT forms_pkey PRIMARY KEY (id, fiscal_year),
  CONSTRAINT forms_id_fkey FOREIGN KEY (id, fiscal_year) REFERENCES app.form_ids (id, fiscal_year),
  CONSTRAINT confirmed_has_judgment CHECK (status = 'draft' OR (judgment IS NOT NULL AND confirmed_at IS NOT NULL)),
  CONSTRAINT taken_over_has_municipality CHECK (
    status IN ('draft', 'confirmed', 'issued') OR municipality_id IS NOT NULL)
) PARTITION BY RANGE (fiscal_year);
COMMENT ON TABLE app.forms IS '臨床調査個人票・医療意見書（臨床情報）と、その状態（年度別パーティション）';
COMMENT ON COLUMN app.forms.entry_channel IS '登録経路: online オンライン入力、xml 医療機関システムのXML、paper 紙の票（スキャンから入力）';
COMMENT ON COLUMN app.forms.fiscal_year IS '年度（パーティションの区分。票の作成後は変わらない）';

CREATE TABLE app.form_personal (
  form_id     bigint NOT NULL,
  fiscal_year integer NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}' CONSTRAINT form_personal_data_check CHECK (jsonb_typeof(data) = 'object'),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT form_personal_pkey PRIMARY KEY (form_id, fiscal_year),
  CONSTRAINT form_personal_form_id_fkey FOREIGN KEY (form_id, fiscal_year) REFERENCES app.form_ids (id, fiscal_year)
) PARTITION BY RANGE (fiscal_year);
COMMENT ON TABLE app.form_personal IS '票の個人情報項目（氏名・生年月日・住所など、年度別パーティション）';

CREATE TABLE app.form_history (
  id                bigint GENERATED ALWAYS AS IDENTITY,
  form_id           bigint NOT NULL,
  fiscal_year       integer NOT NULL,
  at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_account_id  bigint,
  request_id        text,
  part              text NOT NULL
    CONSTRAINT form_history_part_check CHECK (part IN ('clinical', 'personal', 'certification', 'research_consent')),
  status            text,
  data              jsonb NOT NULL,
  CONSTRAINT form_history_pkey PRIMARY KEY (id, fiscal_year),
  CONSTRAINT form_history_form_id_fkey FOREIGN KEY (form_id, fiscal_year) REFERENCES app.form_ids (id, fiscal_year)
) PARTITION BY RANGE (fiscal_year);
COMMENT ON TABLE app.form_history IS '票の変更履歴（誰が・いつ・何を、年度別パーティション）';

CREATE INDEX forms_id ON app.forms (id);
CREATE INDEX forms_hospital ON app.forms (hospital_id, fiscal_year);
CREATE INDEX forms_hospital_updated ON app.forms (hospital_id, updated_at DESC, id DESC);
CREATE INDEX forms_municipality ON app.forms (municipality_id) WHERE municipality_id IS NOT NULL;
CREATE INDEX forms_patient_disease ON app.forms (patient_id, disease_code, created_at DESC);
CREATE INDEX forms_doctor ON app.forms (doctor_account_id);
CREATE INDEX forms_carried_over_from ON app.forms (carried_over_from);
CREATE INDEX form_personal_kana ON app.form_personal ((data ->> 'patient_name_kana') text_pattern_ops);
CREATE INDEX form_history_form ON app.form_history (form_id, at);

ALTER TABLE app.forms ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_personal ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.form_ids ENABLE ROW LEVEL SECURITY;

-- the partitions: FY2015 to the next fiscal year (the same names and bounds
-- as app.ensure_form_partitions makes), and a default one each
DO $$
DECLARE
  next_year integer := extract(year FROM (now() AT TIME ZONE 'Asia/Tokyo') - interval '3 months')::integer + 1;
  t text;
  y integer;
BEGIN
  FOREACH t IN ARRAY ARRAY['forms', 'form_personal', 'form_history'] LOOP
    EXECUTE format('CREATE TABLE app.%I PARTITION OF app.%I DEFAULT', t || '_default', t);
    FOR y IN 2015 .. next_year LOOP
      EXECUTE format('CREATE TABLE app.%I PARTITION OF app.%I FOR VALUES FROM (%s) TO (%s)',
                     t || '_fy' || y, t, y, y + 1);
    END LOOP;
  END LOOP;
END
$$;

-- the rows move over with their ids; the identities continue after them
INSERT INTO app.forms OVERRIDING SYSTEM VALUE
SELECT id, patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by, purpose,
       consent_db_registration, consent_recorded_at, status, data, judgment, fiscal_year, carried_over_from,
       confirmed_at, confirmed_by, issued_at, municipality_id, taken_over_at, taken_over_by, review_result,
       reviewed_at, reviewed_by, registered_at, created_at, updated_at, entry_channel
  FROM app.forms_unpartitioned ORDER BY id;
INSERT INTO app.form_personal (form_id, fiscal_year, data, updated_at)
SELECT p.form_id, f.fiscal_year, p.data, p.updated_at
  FROM app.form_personal_unpartitioned p JOIN app.form_ids f ON f.id = p.form_id ORDER BY p.form_id;
INSERT INTO app.form_history OVERRIDING SYSTEM VALUE
SELECT h.id, h.form_id, f.fiscal_year, h.at, h.actor_account_id, h.request_id, h.part, h.status, h.data
  FROM app.form_history_unpartitioned h JOIN app.form_ids f ON f.id = h.form_id ORDER BY h.id;
SELECT setval(pg_get_serial_sequence('app.forms', 'id'),
              coalesce((SELECT max(id) FROM app.forms_unpartitioned), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('app.form_history', 'id'),
              coalesce((SELECT max(id) FROM app.form_history_unpartitioned), 0) + 1, false);

-- the old tables go with their triggers and policies (the policies of
-- other tables that read them are made again by the code files)
DROP TABLE app.form_history_unpartitioned, app.form_personal_unpartitioned, app.forms_unpartitioned CASCADE;

ALTER TABLE app.form_comments ADD CONSTRAINT form_comments_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.access_keys ADD CONSTRAINT access_keys_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.form_imports ADD CONSTRAINT form_imports_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.scan_assignments ADD CONSTRAINT scan_assignments_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.certifications ADD CONSTRAINT certifications_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.research_consents ADD CONSTRAINT research_consents_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.paper_scans ADD CONSTRAINT paper_scans_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
ALTER TABLE app.insurance_identifiers ADD CONSTRAINT insurance_identifiers_form_id_fkey
  FOREIGN KEY (form_id) REFERENCES app.form_ids (id);
