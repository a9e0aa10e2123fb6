-- 0.2.0, insurance_link: the link to the national insurance-history inquiry
-- system (履歴照会・回答システム, D5; docs/insurance-history-link.md).
-- The database sends a patient's insurance identifiers in a numbered batch
-- file and receives, in an answer file, a linkage id per request line (the
-- ID5-like hash the national claims database also uses). Everything here is
-- kept: batches, their lines and answers are never changed once written
-- (app.insurance_link_immutable, sql/insurance_link/batches.sql), and a
-- patient's linkage ids keep their history. No API role reads these tables
-- (policies/insurance_link/insurance_link.sql): the operator admin's batch
-- functions and the research extraction (definer functions) do.

-- The identifiers as the municipality saw them on the insurance card at the
-- application, recorded through one of its forms; the newest row per
-- patient is current. (The hospital's own copy is app.patients.insurance.)
CREATE TABLE app.insurance_identifiers (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id      bigint NOT NULL REFERENCES app.patients (id),
  form_id         bigint NOT NULL REFERENCES app.forms (id),
  -- 保険者番号: 8 digits (法別2 + 都道府県2 + 保険者別3 + 検証1) or 6 for 国保
  insurer_number  text NOT NULL CHECK (insurer_number ~ '^([0-9]{6}|[0-9]{8})$'),
  -- 被保険者証等記号 (optional: some cards have none)
  symbol          text CHECK (symbol IS NULL OR length(symbol) BETWEEN 1 AND 20),
  -- 被保険者証等番号
  number          text NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
  -- 枝番 (2 digits; cards issued before 2021 have none)
  branch          text CHECK (branch IS NULL OR branch ~ '^[0-9]{2}$'),
  recorded_by     bigint NOT NULL REFERENCES app.accounts (id),
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX insurance_identifiers_patient ON app.insurance_identifiers (patient_id, id DESC);
COMMENT ON TABLE app.insurance_identifiers IS
  '保険の識別情報（保険者番号・記号・番号・枝番）: 自治体が申請時に被保険者証で確認したもの。患者ごとに最新の行が現在のもの';

-- One outbound request file (履歴照会の依頼ファイル): numbered by its id,
-- its content as it was written, never changed.
CREATE TABLE app.insurance_inquiry_batches (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- the operator admin who asked for it; null: the nightly pg_cron job
  created_by      bigint REFERENCES app.accounts (id),
  trigger         text NOT NULL CHECK (trigger IN ('api', 'cron')),
  requests        integer NOT NULL CHECK (requests > 0),
  file_name       text NOT NULL,
  content         text NOT NULL,
  file_sha256     text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE app.insurance_inquiry_batches IS '履歴照会の依頼ファイル（バッチ）: 番号つき、内容ごと保存し変更しない';

-- One line of a request file: whose identifiers it sends (the patient is
-- never in the file), as they were sent.
CREATE TABLE app.insurance_inquiry_requests (
  batch_id            bigint NOT NULL REFERENCES app.insurance_inquiry_batches (id),
  line_no             integer NOT NULL CHECK (line_no > 0),
  patient_id          bigint NOT NULL REFERENCES app.patients (id),
  -- where the identifiers came from: the municipality's record or the hospital's patient record
  source              text NOT NULL CHECK (source IN ('municipality', 'hospital')),
  insurer_number      text NOT NULL,
  symbol              text,
  number              text NOT NULL,
  branch              text,
  identifiers_sha256  text NOT NULL CHECK (identifiers_sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (batch_id, line_no)
);
CREATE INDEX insurance_inquiry_requests_patient ON app.insurance_inquiry_requests (patient_id, identifiers_sha256);
COMMENT ON TABLE app.insurance_inquiry_requests IS '依頼ファイルの行: 送った識別情報と、それが誰のものか（患者はファイルに書かない）';

-- One imported answer file (回答ファイル), applied or found unchanged; a
-- refused file writes nothing here (its refusal is in the audit log).
CREATE TABLE app.insurance_inquiry_answer_files (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id      bigint NOT NULL REFERENCES app.insurance_inquiry_batches (id),
  file_sha256   text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  encoding      text NOT NULL CHECK (encoding IN ('UTF8', 'UTF8_BOM', 'SJIS')),
  lines         integer NOT NULL CHECK (lines >= 0),
  applied       integer NOT NULL CHECK (applied >= 0),
  unchanged     integer NOT NULL CHECK (unchanged >= 0),
  imported_by   bigint NOT NULL REFERENCES app.accounts (id),
  imported_at   timestamptz NOT NULL DEFAULT now(),
  request_id    text,
  CHECK (applied + unchanged = lines)
);
CREATE INDEX insurance_inquiry_answer_files_batch ON app.insurance_inquiry_answer_files (batch_id);
COMMENT ON TABLE app.insurance_inquiry_answer_files IS '取り込んだ回答ファイルの記録（ハッシュ・行数・反映/変更なしの件数・取込者）';

-- The peer's answer to one request line: final once received.
CREATE TABLE app.insurance_inquiry_answers (
  batch_id        bigint NOT NULL,
  line_no         integer NOT NULL,
  status          text NOT NULL CHECK (status IN ('found', 'not_found', 'error')),
  -- the peer's code of an error (and, optionally, of a not-found answer)
  peer_code       text CHECK (peer_code IS NULL OR peer_code ~ '^[A-Za-z0-9_-]{1,20}$'),
  answer_file_id  bigint NOT NULL REFERENCES app.insurance_inquiry_answer_files (id),
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (batch_id, line_no),
  FOREIGN KEY (batch_id, line_no) REFERENCES app.insurance_inquiry_requests (batch_id, line_no),
  CHECK (status <> 'error' OR peer_code IS NOT NULL)
);
COMMENT ON TABLE app.insurance_inquiry_answers IS '依頼行ごとの回答: found（連携IDあり）/ not_found / error（相手のコード）';

-- A patient's linkage ids (ID5-like, from the inquiry system): one row per
-- found answer, the newest current; the history is kept. wt/research's
-- linked extraction reads app.insurance_linkages (patient_id, linkage_id).
CREATE TABLE app.insurance_linkages (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id          bigint NOT NULL REFERENCES app.patients (id),
  linkage_id          text NOT NULL CHECK (linkage_id ~ '^[0-9a-f]{64}$'),
  batch_id            bigint NOT NULL,
  line_no             integer NOT NULL,
  identifiers_sha256  text NOT NULL,
  received_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (batch_id, line_no),
  FOREIGN KEY (batch_id, line_no) REFERENCES app.insurance_inquiry_answers (batch_id, line_no)
);
CREATE INDEX insurance_linkages_patient ON app.insurance_linkages (patient_id, id DESC);
COMMENT ON TABLE app.insurance_linkages IS
  '患者の連携ID（履歴照会・回答システムの回答、NDB と同じハッシュ）: 履歴を残し、最新が現在のもの。医療機関・自治体・厚労省には見せない';
