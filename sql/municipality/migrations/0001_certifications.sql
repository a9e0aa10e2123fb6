-- 0.2.0, municipality: the certification decision on a taken-over form (C2,
-- issue #19 item 1): outcome, refusal reason, recipient and public payer
-- numbers, validity period, income tier and special case with the monthly
-- cap, the 行政記載欄 (administrative box), and the patient's written
-- research-use consent (B11, D3). The code tables are the vocabulary
-- (api.vocabulary); the rules are app.certification_problems and the write
-- app.apply_certification (sql/municipality/certification_rules.sql).

-- 階層区分: the income tiers (the same six for nanbyō and shōman).
CREATE TABLE app.income_tiers (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL,
  position  integer NOT NULL UNIQUE
);
COMMENT ON TABLE app.income_tiers IS '階層区分（所得区分）';
INSERT INTO app.income_tiers VALUES
  ('welfare', '生活保護', 1),
  ('low1', '低所得Ⅰ', 2),
  ('low2', '低所得Ⅱ', 3),
  ('general1', '一般所得Ⅰ', 4),
  ('general2', '一般所得Ⅱ', 5),
  ('upper', '上位所得', 6);

-- The special cases, labelled per program (高額かつ長期 is called 重症 in shōman).
CREATE TABLE app.special_cases (
  code      text NOT NULL,
  program   text NOT NULL REFERENCES app.programs (code),
  label_ja  text NOT NULL,
  position  integer NOT NULL,
  PRIMARY KEY (code, program)
);
COMMENT ON TABLE app.special_cases IS '自己負担上限額の特例区分（高額かつ長期・重症、人工呼吸器等装着者）';
INSERT INTO app.special_cases VALUES
  ('none', 'nanbyo', '該当なし', 1),
  ('high_long', 'nanbyo', '高額かつ長期', 2),
  ('ventilator', 'nanbyo', '人工呼吸器等装着者', 3),
  ('none', 'shoman', '該当なし', 1),
  ('high_long', 'shoman', '重症', 2),
  ('ventilator', 'shoman', '人工呼吸器等装着者', 3);

-- 自己負担上限月額 (yen) by program, tier and special case, as published
-- (特定医療費: 難病法施行令 第1条, since 2015-01 with the 2018-01 end of the
-- transition; 小児慢性特定疾病医療費: 児童福祉法施行令 第22条). A combination
-- without a row is not allowed (高額かつ長期 below 一般所得Ⅰ in nanbyō).
CREATE TABLE app.monthly_caps (
  program       text NOT NULL REFERENCES app.programs (code),
  income_tier   text NOT NULL REFERENCES app.income_tiers (code),
  special_case  text NOT NULL,
  cap_yen       integer NOT NULL CHECK (cap_yen >= 0),
  PRIMARY KEY (program, income_tier, special_case),
  FOREIGN KEY (special_case, program) REFERENCES app.special_cases (code, program)
);
COMMENT ON TABLE app.monthly_caps IS '自己負担上限月額（円）: 制度・階層区分・特例区分ごと';
INSERT INTO app.monthly_caps (program, income_tier, special_case, cap_yen)
SELECT p, t, s, c FROM (VALUES
  ('nanbyo', 'welfare', 'none', 0), ('nanbyo', 'low1', 'none', 2500), ('nanbyo', 'low2', 'none', 5000),
  ('nanbyo', 'general1', 'none', 10000), ('nanbyo', 'general2', 'none', 20000), ('nanbyo', 'upper', 'none', 30000),
  ('nanbyo', 'general1', 'high_long', 5000), ('nanbyo', 'general2', 'high_long', 10000), ('nanbyo', 'upper', 'high_long', 20000),
  ('nanbyo', 'welfare', 'ventilator', 0), ('nanbyo', 'low1', 'ventilator', 1000), ('nanbyo', 'low2', 'ventilator', 1000),
  ('nanbyo', 'general1', 'ventilator', 1000), ('nanbyo', 'general2', 'ventilator', 1000), ('nanbyo', 'upper', 'ventilator', 1000),
  ('shoman', 'welfare', 'none', 0), ('shoman', 'low1', 'none', 1250), ('shoman', 'low2', 'none', 2500),
  ('shoman', 'general1', 'none', 5000), ('shoman', 'general2', 'none', 10000), ('shoman', 'upper', 'none', 15000),
  ('shoman', 'welfare', 'high_long', 0), ('shoman', 'low1', 'high_long', 1250), ('shoman', 'low2', 'high_long', 2500),
  ('shoman', 'general1', 'high_long', 2500), ('shoman', 'general2', 'high_long', 5000), ('shoman', 'upper', 'high_long', 10000),
  ('shoman', 'welfare', 'ventilator', 0), ('shoman', 'low1', 'ventilator', 500), ('shoman', 'low2', 'ventilator', 500),
  ('shoman', 'general1', 'ventilator', 500), ('shoman', 'general2', 'ventilator', 500), ('shoman', 'upper', 'ventilator', 500)
) v(p, t, s, c);

-- Why a form was refused.
CREATE TABLE app.refusal_reasons (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL,
  position  integer NOT NULL UNIQUE
);
COMMENT ON TABLE app.refusal_reasons IS '不認定の理由';
INSERT INTO app.refusal_reasons VALUES
  ('diagnosis_not_met', '診断基準を満たさない', 1),
  ('severity_not_met', '重症度分類等を満たさない（診断基準は満たす）', 2),
  ('other', 'その他', 3);

-- The items of the 行政記載欄, the municipality-only section of every form.
-- on_masked_print: printed on the review board's masked print too (the
-- board matches its papers by the 受付番号; free text may hold personal data).
CREATE TABLE app.admin_box_items (
  item_id           text PRIMARY KEY CHECK (item_id ~ '^[a-z][a-z0-9_]*$'),
  label_ja          text NOT NULL,
  value_type        text NOT NULL CHECK (value_type IN ('text', 'date')),
  max_length        integer CHECK (max_length > 0),
  on_masked_print   boolean NOT NULL DEFAULT false,
  position          integer NOT NULL UNIQUE
);
COMMENT ON TABLE app.admin_box_items IS '行政記載欄の項目（自治体だけが記入・参照する）';
INSERT INTO app.admin_box_items VALUES
  ('reception_number', '受付番号', 'text', 20, true, 1),
  ('review_board_on', '審査会開催日', 'date', NULL, true, 2),
  ('review_board_opinion', '審査会の意見', 'text', 1000, false, 3),
  ('notified_on', '結果通知日', 'date', NULL, false, 4),
  ('remarks', '備考', 'text', 1000, false, 5);

-- The certification of a form (at most one; recording it again replaces it,
-- every version is kept in app.form_history as part 'certification').
CREATE TABLE app.certifications (
  form_id                  bigint PRIMARY KEY REFERENCES app.forms (id),
  program                  text NOT NULL REFERENCES app.programs (code),
  outcome                  text NOT NULL REFERENCES app.review_results (code),
  refusal_reason           text REFERENCES app.refusal_reasons (code),
  refusal_note             text,
  -- since 2024-04: a nanbyō refusal for severity alone (diagnosis met)
  -- entitles the patient to a 登録者証
  registration_card_eligible boolean NOT NULL GENERATED ALWAYS AS (
    program = 'nanbyo' AND outcome = 'refused' AND refusal_reason IS NOT DISTINCT FROM 'severity_not_met') STORED,
  recipient_number         text,
  public_payer_number      text,
  application_received_on  date NOT NULL,
  valid_from               date,
  valid_until              date,
  early_start_reason       text,
  income_tier              text REFERENCES app.income_tiers (code),
  special_case             text,
  monthly_cap_yen          integer,
  admin_box                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(admin_box) = 'object'),
  recorded_by              bigint REFERENCES app.accounts (id),
  recorded_at              timestamptz NOT NULL DEFAULT now(),
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (program, income_tier, special_case) REFERENCES app.monthly_caps (program, income_tier, special_case),
  CONSTRAINT certification_refusal_has_reason CHECK ((outcome = 'refused') = (refusal_reason IS NOT NULL)),
  CONSTRAINT certification_granted_is_complete CHECK (outcome <> 'granted' OR (
    recipient_number IS NOT NULL AND public_payer_number IS NOT NULL AND valid_from IS NOT NULL
    AND valid_until IS NOT NULL AND income_tier IS NOT NULL AND special_case IS NOT NULL AND monthly_cap_yen IS NOT NULL))
);
COMMENT ON TABLE app.certifications IS '自治体の認定結果（認定・不認定・保留、受給者番号、有効期間、階層区分、自己負担上限月額、行政記載欄）';
CREATE INDEX certifications_recipient ON app.certifications (public_payer_number, recipient_number)
  WHERE recipient_number IS NOT NULL;

-- The patient's written consent to research use, recorded by the
-- municipality (B11); the research extraction (D3) takes only forms with a
-- consent not withdrawn.
CREATE TABLE app.research_consents (
  form_id         bigint PRIMARY KEY REFERENCES app.forms (id),
  consented_on    date NOT NULL,
  recorded_by     bigint REFERENCES app.accounts (id),
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  withdrawn_on    date,
  withdrawn_by    bigint REFERENCES app.accounts (id),
  withdrawn_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT research_consent_withdrawal CHECK ((withdrawn_on IS NULL) = (withdrawn_at IS NULL)
                                                AND (withdrawn_on IS NULL OR withdrawn_on >= consented_on))
);
COMMENT ON TABLE app.research_consents IS '研究利用への同意（書面、自治体が記録）';

-- The form's history keeps the certification and the consent too.
ALTER TABLE app.form_history DROP CONSTRAINT form_history_part_check;
ALTER TABLE app.form_history ADD CONSTRAINT form_history_part_check
  CHECK (part IN ('clinical', 'personal', 'certification', 'research_consent'));
