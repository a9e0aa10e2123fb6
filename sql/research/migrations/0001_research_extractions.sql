-- 0.2.0, research: the research extraction (D3, issue #20 item 3) and its
-- outputs, which the analysts' SQL role reads (item 5). A run-once
-- migration: never edit it after it shipped.
--
-- app.research_requests   a researcher's request, entered by the operator's
--                         staff on the researcher's behalf, decided by the
--                         operator admin, run at night (pg_cron)
-- app.research_keys       the per-request pseudonym key: no role reads it,
--                         only the definer functions (a linked request
--                         approved as linked reuses its parent's key)
-- research.*              the pseudonymised outputs: the rows, the data
--                         dictionary and the summary (small cells hidden)

CREATE TABLE app.research_requests (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  researcher_name         text NOT NULL CHECK (btrim(researcher_name) <> '' AND length(researcher_name) <= 100),
  researcher_affiliation  text NOT NULL CHECK (btrim(researcher_affiliation) <> '' AND length(researcher_affiliation) <= 200),
  purpose                 text NOT NULL CHECK (btrim(purpose) <> '' AND length(purpose) <= 2000),
  program                 text NOT NULL REFERENCES app.programs (code),
  disease_codes           text[] NOT NULL CHECK (cardinality(disease_codes) BETWEEN 1 AND 100),
  fiscal_years            integer[] NOT NULL CHECK (cardinality(fiscal_years) BETWEEN 1 AND 20),
  items                   text[] NOT NULL CHECK (cardinality(items) <= 500),
  -- asked for: a request linked to an earlier one (same pseudonyms), the
  -- NDB linkage id column (D5); granted only as the admin approves them
  linked_to               bigint REFERENCES app.research_requests (id),
  ndb_linkage             boolean NOT NULL DEFAULT false,
  link_approved           boolean NOT NULL DEFAULT false,
  ndb_linkage_approved    boolean NOT NULL DEFAULT false,
  state                   text NOT NULL DEFAULT 'submitted'
                          CHECK (state IN ('submitted', 'approved', 'rejected', 'running', 'done', 'failed')),
  submitted_by            bigint NOT NULL REFERENCES app.accounts (id),
  submitted_at            timestamptz NOT NULL DEFAULT now(),
  decided_by              bigint REFERENCES app.accounts (id),
  decided_at              timestamptz,
  decision_note           text CHECK (decision_note IS NULL OR length(decision_note) <= 2000),
  started_at              timestamptz,
  finished_at             timestamptz,
  failure                 text,
  row_count               integer,
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT link_approved OR linked_to IS NOT NULL),
  CHECK (NOT ndb_linkage_approved OR ndb_linkage),
  CHECK (linked_to IS DISTINCT FROM id),
  CHECK ((state = 'failed') = (failure IS NOT NULL)),
  CHECK ((state = 'submitted') = (decided_at IS NULL))
);
COMMENT ON TABLE app.research_requests IS
  '研究利用（匿名化データ提供）の申出: 研究者・目的・制度・疾病・年度・項目、状態（受付→承認/却下→実行中→完了/失敗）';
CREATE INDEX research_requests_state ON app.research_requests (state, id);

-- The pseudonym key of each request (32 random bytes). Read by no role:
-- RLS on, no grants; only SECURITY DEFINER functions use it.
CREATE TABLE app.research_keys (
  request_id  bigint PRIMARY KEY REFERENCES app.research_requests (id),
  key         bytea NOT NULL CHECK (length(key) = 32),
  created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.research_keys IS '研究利用の仮名化キー（申出ごと）: どのロールも読めない';

-- The outputs, in a schema of their own that the analysts may read.
CREATE SCHEMA research;
COMMENT ON SCHEMA research IS '研究利用の出力（仮名化済みの抽出データ・データ辞書・集計）: 個人情報を含まない';

-- One row per extracted form.
CREATE TABLE research.extraction_rows (
  request_id             bigint NOT NULL REFERENCES app.research_requests (id),
  row_number             integer NOT NULL,
  pseudonym              text NOT NULL CHECK (pseudonym ~ '^[0-9a-f]{64}$'),
  fiscal_year            integer NOT NULL,
  program                text NOT NULL,
  disease_code           text NOT NULL,
  age_band               text NOT NULL,
  sex                    text NOT NULL,
  prefecture_code        text,
  primary_judgment       text,
  certification_outcome  text,
  ndb_linkage_id         text,
  items                  jsonb NOT NULL CHECK (jsonb_typeof(items) = 'object'),
  PRIMARY KEY (request_id, row_number)
);
COMMENT ON TABLE research.extraction_rows IS
  '研究利用の抽出データ（1票1行）: 仮名・年度・制度・疾病・年齢階級・性別・都道府県・一次判定・認定結果・申出の項目';

-- The data dictionary of an extraction: every column of its CSV.
CREATE TABLE research.dictionary (
  request_id  bigint NOT NULL REFERENCES app.research_requests (id),
  position    integer NOT NULL,
  column_name text NOT NULL,
  label       text NOT NULL,
  type        text NOT NULL,
  unit        text,
  codes       jsonb NOT NULL DEFAULT '[]',
  source      text NOT NULL,
  note        text,
  PRIMARY KEY (request_id, position),
  UNIQUE (request_id, column_name)
);
COMMENT ON TABLE research.dictionary IS '研究利用の抽出データのデータ辞書（列名・名称・型・単位・選択肢）';

-- The summary: patients by disease × fiscal year × sex × age band, with the
-- totals by sex and by age band ('*'), small cells hidden (patients NULL).
CREATE TABLE research.summary (
  request_id    bigint NOT NULL REFERENCES app.research_requests (id),
  disease_code  text NOT NULL,
  fiscal_year   integer NOT NULL,
  sex           text NOT NULL,
  age_band      text NOT NULL,
  patients      integer CHECK (patients IS NULL OR patients = 0 OR patients >= 10),
  suppressed    boolean NOT NULL,
  CHECK (suppressed = (patients IS NULL)),
  PRIMARY KEY (request_id, disease_code, fiscal_year, sex, age_band)
);
COMMENT ON TABLE research.summary IS
  '研究利用の抽出データの集計（疾病×年度×性別×年齢階級の患者数）: 1〜9 と、合計から逆算できるセルは秘匿（NULL）';
