-- Baseline 0.1.0, forms: form versions, patients, forms with their personal
-- part, history, comments and access keys, and the operator's monitoring
-- flags. A run-once migration: never edit it after it shipped.

-- Form versions (様式): one row per disease form version, its definition a
-- JSON document (extension/core/FORMS.md). A new disease or a new version is
-- a new row; no code changes. The definition is checked by the extension on
-- insert, and the descriptive columns are taken from it, so the two never
-- disagree. Rows are immutable except `online_until` (set when a newer
-- version replaces this one online: B1): the extension caches compiled
-- definitions by id and content hash.
CREATE TABLE app.form_versions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  disease_code    text NOT NULL,
  program         text NOT NULL REFERENCES app.programs (code),
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
CREATE INDEX form_versions_disease_effective
  ON app.form_versions (disease_code, effective_from DESC);
-- Patients (B1, B11): the personal data a hospital holds about a patient,
-- kept apart from the clinical content of forms. A patient is registered by
-- one hospital; a form copies the personal items it prints into its own
-- personal part (app.form_personal), so a later change of address does not
-- rewrite last year's form.
CREATE TABLE app.patients (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hospital_id    bigint NOT NULL REFERENCES app.organisations (id),
  name           text NOT NULL,
  name_kana      text NOT NULL,
  birth_date     date NOT NULL,
  sex            text NOT NULL,
  postal_code    text,
  address        text NOT NULL,
  -- 保険情報: {insurer_number, symbol, number, ...} as the hospital's system has it
  insurance      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(insurance) = 'object'),
  created_by     bigint REFERENCES app.accounts (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  -- the patient register's one rule (nanbyo-core patient.rs), the same that
  -- app.patient_problem, the bulk import and nanbyo-check apply; here
  -- without "not after today", which a stored row cannot keep true
  CONSTRAINT patient_register_rule
    CHECK (nanbyo.patient_problem(name, name_kana, birth_date, sex, address, postal_code) IS NULL)
);
COMMENT ON TABLE app.patients IS '患者（個人情報）: 臨床情報とは別に保持する';

CREATE INDEX patients_hospital ON app.patients (hospital_id);
-- search by reading (カナ), prefix match within a hospital
CREATE INDEX patients_hospital_kana ON app.patients (hospital_id, name_kana text_pattern_ops);
-- Forms (B1–B3, B7, B10, B11, C1): one row per yearly form of a patient for
-- one disease, on one form version, at one hospital, by one doctor.
--
-- Lifecycle (enforced by the api functions and the transition trigger):
--   draft ──confirm──► confirmed ──issue key──► issued ──take over──►
--   taken_over ──review──► reviewed ──register──► registered
-- The clinical content is in `data`; the personal items the form prints
-- (its patient block and any other item flagged `personal`) are in
-- app.form_personal, read under stricter rules and always audit-logged.
CREATE TABLE app.forms (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id              bigint NOT NULL REFERENCES app.patients (id),
  form_version_id         bigint NOT NULL REFERENCES app.form_versions (id),
  disease_code            text NOT NULL,
  program                 text NOT NULL REFERENCES app.programs (code),
  hospital_id             bigint NOT NULL REFERENCES app.organisations (id),
  -- the doctor responsible for the form (confirms it)
  doctor_account_id       bigint NOT NULL REFERENCES app.accounts (id),
  created_by              bigint NOT NULL REFERENCES app.accounts (id),
  -- new application, renewal, or registration only (軽症者登録等, B10)
  purpose                 text NOT NULL REFERENCES app.form_purposes (code),
  -- B11: the hospital explained DB registration and the patient agreed
  consent_db_registration boolean NOT NULL DEFAULT false,
  consent_recorded_at     timestamptz,
  status                  text NOT NULL DEFAULT 'draft' REFERENCES app.form_statuses (code),
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
  review_result           text REFERENCES app.review_results (code),
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

CREATE INDEX forms_hospital ON app.forms (hospital_id, fiscal_year);
CREATE INDEX forms_municipality ON app.forms (municipality_id) WHERE municipality_id IS NOT NULL;
CREATE INDEX forms_patient_disease ON app.forms (patient_id, disease_code, created_at DESC);
CREATE INDEX forms_doctor ON app.forms (doctor_account_id);
CREATE INDEX forms_carried_over_from ON app.forms (carried_over_from);

-- The personal items of a form, apart from the clinical data.
CREATE TABLE app.form_personal (
  form_id     bigint PRIMARY KEY REFERENCES app.forms (id),
  data        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.form_personal IS '票の個人情報項目（氏名・生年月日・住所など）';

-- Every change of a form, with who and when (B1, C2). Written by triggers;
-- append-only like the audit log.
CREATE TABLE app.form_history (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id           bigint NOT NULL REFERENCES app.forms (id),
  at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_account_id  bigint,
  request_id        text,
  part              text NOT NULL CHECK (part IN ('clinical', 'personal')),
  status            text,
  data              jsonb NOT NULL
);
CREATE INDEX form_history_form ON app.form_history (form_id, at);
COMMENT ON TABLE app.form_history IS '票の変更履歴（誰が・いつ・何を）';

-- B3: a clerk's (or doctor's) comment on an item of a draft.
CREATE TABLE app.form_comments (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id            bigint NOT NULL REFERENCES app.forms (id),
  item_id            text,
  author_account_id  bigint NOT NULL REFERENCES app.accounts (id),
  body               text NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 2000),
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX form_comments_form ON app.form_comments (form_id);

-- B7: the access key of an issued form, stored only as a keyed hash. A
-- reissue revokes the old key; one live key per form.
CREATE TABLE app.access_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id      bigint NOT NULL REFERENCES app.forms (id),
  key_hash     text NOT NULL UNIQUE,
  issued_at    timestamptz NOT NULL DEFAULT now(),
  issued_by    bigint NOT NULL REFERENCES app.accounts (id),
  revoked_at   timestamptz
);
CREATE UNIQUE INDEX access_keys_one_live_per_form ON app.access_keys (form_id) WHERE revoked_at IS NULL;

-- Monitoring flags for the operator (B2: unusually many carry-overs).
CREATE TABLE app.monitoring_flags (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  account_id  bigint NOT NULL REFERENCES app.accounts (id),
  kind        text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX monitoring_flags_account ON app.monitoring_flags (account_id, kind, at);
COMMENT ON TABLE app.monitoring_flags IS '運営主体への注意喚起（前回値踏襲の多用など）';
