-- Forms (B1–B3, B7, B10, B11, C1): one row per yearly form of a patient for
-- one disease, on one form version, at one hospital, by one doctor.
--
-- Lifecycle (enforced by the api functions and the transition trigger):
--   draft ──confirm──► confirmed ──issue key──► issued ──take over──►
--   taken_over ──review──► reviewed ──register──► registered
-- The clinical content is in `data`; the personal items the form prints
-- (its patient block and any other item flagged `personal`) are in
-- app.form_personal, read under stricter rules and always audit-logged.
CREATE TABLE IF NOT EXISTS app.forms (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id              bigint NOT NULL REFERENCES app.patients (id),
  form_version_id         bigint NOT NULL REFERENCES app.form_versions (id),
  disease_code            text NOT NULL,
  program                 text NOT NULL CHECK (program IN ('nanbyo', 'shoman')),
  hospital_id             bigint NOT NULL REFERENCES app.organisations (id),
  -- the doctor responsible for the form (confirms it)
  doctor_account_id       bigint NOT NULL REFERENCES app.accounts (id),
  created_by              bigint NOT NULL REFERENCES app.accounts (id),
  -- new application, renewal, or registration only (軽症者登録等, B10)
  purpose                 text NOT NULL CHECK (purpose IN ('new', 'renewal', 'registration_only')),
  -- B11: the hospital explained DB registration and the patient agreed
  consent_db_registration boolean NOT NULL DEFAULT false,
  consent_recorded_at     timestamptz,
  status                  text NOT NULL DEFAULT 'draft' CHECK (status IN
                            ('draft', 'confirmed', 'issued', 'taken_over', 'reviewed', 'registered')),
  data                    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  -- nanbyo.judge at confirmation: the primary judgment the municipality sees (C1)
  judgment                jsonb,
  fiscal_year             integer NOT NULL,
  carried_over_from       bigint REFERENCES app.forms (id),
  confirmed_at            timestamptz,
  confirmed_by            bigint REFERENCES app.accounts (id),
  issued_at               timestamptz,
  municipality_id         bigint REFERENCES app.organisations (id),
  taken_over_at           timestamptz,
  taken_over_by           bigint REFERENCES app.accounts (id),
  review_result           text CHECK (review_result IN ('granted', 'refused', 'pending')),
  reviewed_at             timestamptz,
  reviewed_by             bigint REFERENCES app.accounts (id),
  registered_at           timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT confirmed_has_judgment CHECK (status = 'draft' OR (judgment IS NOT NULL AND confirmed_at IS NOT NULL)),
  CONSTRAINT taken_over_has_municipality CHECK (
    status IN ('draft', 'confirmed', 'issued') OR municipality_id IS NOT NULL)
);
COMMENT ON TABLE app.forms IS '臨床調査個人票・医療意見書（臨床情報）と、その状態';

CREATE INDEX IF NOT EXISTS forms_hospital ON app.forms (hospital_id, fiscal_year);
CREATE INDEX IF NOT EXISTS forms_municipality ON app.forms (municipality_id) WHERE municipality_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS forms_patient_disease ON app.forms (patient_id, disease_code, created_at DESC);
CREATE INDEX IF NOT EXISTS forms_doctor ON app.forms (doctor_account_id);
CREATE INDEX IF NOT EXISTS forms_carried_over_from ON app.forms (carried_over_from);

-- The personal items of a form, apart from the clinical data.
CREATE TABLE IF NOT EXISTS app.form_personal (
  form_id     bigint PRIMARY KEY REFERENCES app.forms (id),
  data        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.form_personal IS '票の個人情報項目（氏名・生年月日・住所など）';

-- Every change of a form, with who and when (B1, C2). Written by triggers;
-- append-only like the audit log.
CREATE TABLE IF NOT EXISTS app.form_history (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id           bigint NOT NULL REFERENCES app.forms (id),
  at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_account_id  bigint,
  request_id        text,
  part              text NOT NULL CHECK (part IN ('clinical', 'personal')),
  status            text,
  data              jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS form_history_form ON app.form_history (form_id, at);
COMMENT ON TABLE app.form_history IS '票の変更履歴（誰が・いつ・何を）';

-- B3: a clerk's (or doctor's) comment on an item of a draft.
CREATE TABLE IF NOT EXISTS app.form_comments (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id            bigint NOT NULL REFERENCES app.forms (id),
  item_id            text,
  author_account_id  bigint NOT NULL REFERENCES app.accounts (id),
  body               text NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 2000),
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS form_comments_form ON app.form_comments (form_id);

-- B7: the access key of an issued form, stored only as a keyed hash. A
-- reissue revokes the old key; one live key per form.
CREATE TABLE IF NOT EXISTS app.access_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id      bigint NOT NULL REFERENCES app.forms (id),
  key_hash     text NOT NULL UNIQUE,
  issued_at    timestamptz NOT NULL DEFAULT now(),
  issued_by    bigint NOT NULL REFERENCES app.accounts (id),
  revoked_at   timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS access_keys_one_live_per_form ON app.access_keys (form_id) WHERE revoked_at IS NULL;

INSERT INTO app.server_secrets (name, value)
VALUES ('access_key_secret', nanbyo.random_token(32))
ON CONFLICT (name) DO NOTHING;

-- The stored hash of a (typed or canonical) access key: the extension's
-- keyed hash with this database's secret. Raises E_ACCESS_KEY_FORMAT or
-- E_ACCESS_KEY_TYPO for a key that cannot be one.
CREATE OR REPLACE FUNCTION app.access_key_hash(key text)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
  RETURN nanbyo.access_key_hash(key, (SELECT value FROM app.server_secrets WHERE name = 'access_key_secret'));
END
$$;

-- History, whoever changes a form: one statement-level trigger per table
-- and event, writing the history of all the rows a statement touched in one
-- insert (a bulk import of thousands of forms pays one insert, not one per
-- form). Transition tables allow one event per trigger, hence four.
CREATE OR REPLACE FUNCTION app.forms_record_history()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
  actor bigint := app.current_account_id();
  request text := app.current_request_id();
BEGIN
  IF TG_TABLE_NAME = 'forms' AND TG_OP = 'INSERT' THEN
    INSERT INTO app.form_history (form_id, actor_account_id, request_id, part, status, data)
    SELECT n.id, actor, request, 'clinical', n.status, n.data FROM new_rows n ORDER BY n.id;
  ELSIF TG_TABLE_NAME = 'forms' THEN
    INSERT INTO app.form_history (form_id, actor_account_id, request_id, part, status, data)
    SELECT n.id, actor, request, 'clinical', n.status, n.data
      FROM new_rows n JOIN old_rows o USING (id)
     WHERE n.data IS DISTINCT FROM o.data OR n.status IS DISTINCT FROM o.status
        OR n.review_result IS DISTINCT FROM o.review_result
     ORDER BY n.id;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO app.form_history (form_id, actor_account_id, request_id, part, status, data)
    SELECT n.form_id, actor, request, 'personal', NULL, n.data FROM new_rows n ORDER BY n.form_id;
  ELSE
    INSERT INTO app.form_history (form_id, actor_account_id, request_id, part, status, data)
    SELECT n.form_id, actor, request, 'personal', NULL, n.data
      FROM new_rows n JOIN old_rows o USING (form_id)
     WHERE n.data IS DISTINCT FROM o.data
     ORDER BY n.form_id;
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS forms_record_history ON app.forms;
DROP TRIGGER IF EXISTS form_personal_record_history ON app.form_personal;
DROP TRIGGER IF EXISTS forms_record_history_insert ON app.forms;
CREATE TRIGGER forms_record_history_insert AFTER INSERT ON app.forms
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();
DROP TRIGGER IF EXISTS forms_record_history_update ON app.forms;
CREATE TRIGGER forms_record_history_update AFTER UPDATE ON app.forms
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();
DROP TRIGGER IF EXISTS form_personal_record_history_insert ON app.form_personal;
CREATE TRIGGER form_personal_record_history_insert AFTER INSERT ON app.form_personal
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();
DROP TRIGGER IF EXISTS form_personal_record_history_update ON app.form_personal;
CREATE TRIGGER form_personal_record_history_update AFTER UPDATE ON app.form_personal
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();

CREATE OR REPLACE FUNCTION app.forms_touch()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS forms_touch ON app.forms;
CREATE TRIGGER forms_touch BEFORE UPDATE ON app.forms FOR EACH ROW EXECUTE FUNCTION app.forms_touch();
DROP TRIGGER IF EXISTS form_personal_touch ON app.form_personal;
CREATE TRIGGER form_personal_touch BEFORE UPDATE ON app.form_personal FOR EACH ROW EXECUTE FUNCTION app.forms_touch();

-- The lifecycle moves forward one step at a time; a status never goes back.
CREATE OR REPLACE FUNCTION app.forms_check_transition()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status, NEW.status) IN (
       ('draft', 'confirmed'), ('confirmed', 'issued'), ('issued', 'taken_over'),
       ('taken_over', 'reviewed'), ('reviewed', 'registered')) THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', format('票の状態を「%s」から「%s」には変更できません。', OLD.status, NEW.status));
  END IF;
  IF (NEW.form_version_id, NEW.patient_id, NEW.hospital_id) IS DISTINCT FROM
     (OLD.form_version_id, OLD.patient_id, OLD.hospital_id) THEN
    PERFORM app.raise('55000', 'E_FORM_IMMUTABLE', '票の様式・患者・医療機関は変更できません。');
  END IF;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS forms_check_transition ON app.forms;
CREATE TRIGGER forms_check_transition BEFORE UPDATE ON app.forms
  FOR EACH ROW EXECUTE FUNCTION app.forms_check_transition();

CREATE OR REPLACE FUNCTION app.form_history_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  PERFORM app.raise('42501', 'E_HISTORY_APPEND_ONLY', '票の変更履歴は変更・削除できません。');
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS form_history_append_only ON app.form_history;
CREATE TRIGGER form_history_append_only BEFORE UPDATE OR DELETE ON app.form_history
  FOR EACH ROW EXECUTE FUNCTION app.form_history_append_only();
