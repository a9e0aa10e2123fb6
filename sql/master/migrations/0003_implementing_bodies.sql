-- Master data of D4 (#19 item 4): the implementing bodies' public payer
-- numbers, hospitals' address and postal code (imported from CSV), the
-- paper transition of form versions, and the history of every master
-- change. A run-once migration: never edit it after it shipped.

-- Hospitals: where they are (the hospital master CSV, docs/hospital-master.md).
ALTER TABLE app.organisations
  ADD COLUMN address text CHECK (address IS NULL OR (btrim(address) <> '' AND length(address) <= 200)),
  ADD COLUMN postal_code text CHECK (postal_code IS NULL OR postal_code ~ '^[0-9]{7}$');
COMMENT ON COLUMN app.organisations.address IS '所在地（医療機関マスタ）';
COMMENT ON COLUMN app.organisations.postal_code IS '郵便番号 7桁（医療機関マスタ）';

-- 公費負担者番号: 法別 (2: 54 nanbyō, 52 shōman) + prefecture (2) + 実施機関 (3)
-- + check digit. A body may have several (one per program, a new one after
-- a reorganisation): each has its period. Ending a number sets valid_until;
-- a number is never deleted (certifications name it).
CREATE TABLE app.public_payer_numbers (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organisation_id  bigint NOT NULL REFERENCES app.organisations (id),
  program          text NOT NULL REFERENCES app.programs (code),
  number           text NOT NULL CHECK (number ~ '^[0-9]{8}$' AND nanbyo.valid_public_payer_number(number)),
  valid_from       date NOT NULL,
  valid_until      date,
  note             text CHECK (note IS NULL OR length(note) <= 200),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
COMMENT ON TABLE app.public_payer_numbers IS '公費負担者番号マスタ: 実施主体ごと・制度ごとの番号と有効期間（運営主体の管理者が登録）';
CREATE INDEX public_payer_numbers_organisation ON app.public_payer_numbers (organisation_id, program);
CREATE INDEX public_payer_numbers_number ON app.public_payer_numbers (number);

-- (紙様式の経過措置, form_versions.paper_until: migration
-- sql/bulk_import/migrations/0002_paper_scans.sql and app.paper_accepted_until.)

-- The history of master data (D4, E3): every insert and change of an
-- organisation, a public payer number or a form version, with the row
-- before and after and who changed it. Append-only.
CREATE TABLE app.master_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  table_name    text NOT NULL CHECK (table_name IN ('organisations', 'public_payer_numbers', 'form_versions')),
  record_id     bigint NOT NULL,
  action        text NOT NULL CHECK (action IN ('insert', 'update')),
  before        jsonb,
  after         jsonb NOT NULL,
  account_id    bigint REFERENCES app.accounts (id),
  login_id      text,
  request_id    text
);
COMMENT ON TABLE app.master_history IS 'マスタの変更履歴（実施主体・医療機関・公費負担者番号・様式）: 誰が・いつ・変更前・変更後';
CREATE INDEX master_history_record ON app.master_history (table_name, record_id, at);
CREATE INDEX master_history_at ON app.master_history USING brin (at);
