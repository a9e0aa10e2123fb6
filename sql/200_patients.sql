-- Patients (B1, B11): the personal data a hospital holds about a patient,
-- kept apart from the clinical content of forms. A patient is registered by
-- one hospital; a form copies the personal items it prints into its own
-- personal part (app.form_personal), so a later change of address does not
-- rewrite last year's form.
CREATE TABLE IF NOT EXISTS app.patients (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hospital_id    bigint NOT NULL REFERENCES app.organisations (id),
  name           text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 50),
  name_kana      text NOT NULL CHECK (name_kana ~ '^[ァ-ヶー・ 　]+$' AND length(name_kana) <= 100),
  birth_date     date NOT NULL CHECK (birth_date > DATE '1900-01-01'),
  sex            text NOT NULL CHECK (sex IN ('1', '2')),
  postal_code    text CHECK (postal_code ~ '^[0-9]{3}-?[0-9]{4}$'),
  address        text NOT NULL CHECK (btrim(address) <> '' AND length(address) <= 200),
  -- 保険情報: {insurer_number, symbol, number, ...} as the hospital's system has it
  insurance      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(insurance) = 'object'),
  created_by     bigint REFERENCES app.accounts (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.patients IS '患者（個人情報）: 臨床情報とは別に保持する';

CREATE INDEX IF NOT EXISTS patients_hospital ON app.patients (hospital_id);
-- search by reading (カナ), prefix match within a hospital
CREATE INDEX IF NOT EXISTS patients_hospital_kana ON app.patients (hospital_id, name_kana text_pattern_ops);

-- Whether a text holds characters nobody types on purpose and that hide or
-- disguise what is shown: control characters (other than tab and line
-- breaks), zero-width and invisible formatting characters, and the
-- bidirectional overrides and isolates. The same rule as the extension's
-- (extension/core/src/text_hygiene.rs).
CREATE OR REPLACE FUNCTION app.has_hidden_characters(value text)
-- (no SET clause, so the bulk import's per-form check can inline it)
RETURNS boolean LANGUAGE sql IMMUTABLE
AS $$
  SELECT value ~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
$$;

-- What is wrong with a patient's personal data, as 'CODE:message', or
-- NULL: the rules of the table's checks, with a message for the user. Used
-- by online registration and by the bulk import.
CREATE OR REPLACE FUNCTION app.patient_problem(name text, name_kana text, birth_date date, sex text,
                                               address text, postal_code text)
RETURNS text
LANGUAGE sql
STABLE
-- (no SET clause, so a query can inline it: the import checks each row)
AS $$
  SELECT CASE
    WHEN name IS NULL OR btrim(name) = '' OR length(name) > 50 THEN
      'E_PATIENT_NAME:患者の氏名を50文字以内で入力してください。'
    WHEN app.has_hidden_characters(name) OR app.has_hidden_characters(address) THEN
      'E_TEXT_CONTROL_CHARACTER:制御文字・見えない文字・文字の向きを変える文字は入力できません。'
    WHEN name !~ '[^[:space:]　]' THEN
      'E_PATIENT_NAME:患者の氏名を50文字以内で入力してください。'
    WHEN name_kana IS NULL OR name_kana !~ '^[ァ-ヶー・ 　]+$' OR length(name_kana) > 100 THEN
      'E_PATIENT_KANA:患者の氏名カナは全角カタカナ（ァ〜ヶ・ー）100文字以内で入力してください。'
    WHEN birth_date IS NULL OR birth_date > current_date OR birth_date <= DATE '1900-01-01' THEN
      'E_PATIENT_BIRTH_DATE:生年月日が正しくありません。'
    WHEN sex IS NULL OR sex NOT IN ('1', '2') THEN
      'E_PATIENT_SEX:性別は 1（男）か 2（女）で指定してください。'
    WHEN address IS NULL OR btrim(address) = '' OR length(address) > 200 THEN
      'E_PATIENT_ADDRESS:住所を200文字以内で入力してください。'
    WHEN postal_code IS NOT NULL AND postal_code !~ '^[0-9]{3}-?[0-9]{4}$' THEN
      'E_PATIENT_POSTAL_CODE:郵便番号は 123-4567 の形で入力してください。'
  END
$$;

-- The patient block of a form (patient@1) filled from a patient record.
CREATE OR REPLACE FUNCTION app.patient_block(p app.patients)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog
AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'patient_name', p.name, 'patient_name_kana', p.name_kana,
    'patient_birth_date', to_char(p.birth_date, 'YYYY-MM-DD'), 'patient_sex', p.sex,
    'patient_postal_code', p.postal_code, 'patient_address', p.address))
$$;
