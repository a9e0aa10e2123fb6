-- 0.2.0, statistics (D1): the entry channel of every form, and the `stats`
-- schema that holds the nightly figures (counts only, never a patient) and
-- the record of every refresh. The refresh, the reads and the job are in
-- sql/statistics/*.sql; who reads what in policies/statistics/.

-- How a form came in (D1 "entry channel"): online entry (api.create_form,
-- carry-over: app.create_draft), a hospital system's XML (B9,
-- app.import_batch), or a paper form keyed from its scan into XML (C4: the
-- same import, a record naming its scan). Set where the form is created.
ALTER TABLE app.forms ADD COLUMN entry_channel text NOT NULL DEFAULT 'online'
  CONSTRAINT forms_entry_channel CHECK (entry_channel IN ('online', 'xml', 'paper'));
COMMENT ON COLUMN app.forms.entry_channel IS '登録経路: online オンライン入力、xml 医療機関システムのXML、paper 紙の票（スキャンから入力）';
-- Backfill: a form with an import row came by XML, or from paper when the
-- import named a scan (or a scan assignment points at it); every other form
-- was entered online.
UPDATE app.forms f
   SET entry_channel = CASE
         WHEN coalesce(i.scan, '') <> ''
           OR EXISTS (SELECT FROM app.scan_assignments sa WHERE sa.form_id = f.id) THEN 'paper'
         ELSE 'xml' END
  FROM app.form_imports i
 WHERE i.form_id = f.id;

CREATE SCHEMA stats;
COMMENT ON SCHEMA stats IS '統計（D1）: 年度・制度・疾病別の集計表（件数だけ。患者の行はない）と集計の実行記録';

-- One refresh (nightly by pg_cron or on demand by the operator admin). A
-- run is written in the same transaction as its figures; a failed run
-- keeps the previous figures and says why (Japanese message + code).
CREATE TABLE stats.runs (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trigger            text NOT NULL CHECK (trigger IN ('schedule', 'operator', 'sql')),
  requested_by       bigint REFERENCES app.accounts (id),
  started_at         timestamptz NOT NULL,
  finished_at        timestamptz,
  duration_ms        numeric GENERATED ALWAYS AS (
                       round(extract(epoch FROM finished_at - started_at) * 1000, 1)) STORED,
  status             text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  error_code         text,
  error_message      text,
  forms_counted      bigint,
  cells              bigint,
  suppressed_cells   bigint,
  CONSTRAINT runs_failed_says_why CHECK ((status = 'failed') = (error_message IS NOT NULL)),
  CONSTRAINT runs_finished CHECK ((status = 'running') = (finished_at IS NULL))
);
COMMENT ON TABLE stats.runs IS '統計の集計の実行記録（開始・終了・所要時間・結果・失敗の理由・行数）';
CREATE INDEX runs_started ON stats.runs (started_at DESC);

-- The published tables: one row per cell of one table of one fiscal year
-- and program. row_key / column_key '*' is the total. `value` is the exact
-- count (the operator's); `published` is what everyone else sees: the
-- count, or NULL when suppressed. cell_id names the figure across tables
-- (a shared margin has one id: app.suppress_cells).
CREATE TABLE stats.cells (
  fiscal_year         integer NOT NULL,
  program             text NOT NULL REFERENCES app.programs (code),
  table_code          text NOT NULL,
  row_key             text NOT NULL,
  row_label           text NOT NULL,
  row_position        integer NOT NULL,
  column_key          text NOT NULL,
  column_label        text NOT NULL,
  column_position     integer NOT NULL,
  -- the column's prefecture (the body table: its body's), for the filter
  prefecture_code     text,
  value               bigint NOT NULL CHECK (value >= 0),
  suppressed          boolean NOT NULL,
  primary_suppressed  boolean NOT NULL,
  published           bigint GENERATED ALWAYS AS (CASE WHEN suppressed THEN NULL ELSE value END) STORED,
  cell_id             text NOT NULL,
  run_id              bigint NOT NULL REFERENCES stats.runs (id),
  PRIMARY KEY (fiscal_year, program, table_code, row_key, column_key),
  CONSTRAINT cells_small_is_suppressed CHECK (NOT (value BETWEEN 1 AND 9) OR suppressed)
);
COMMENT ON TABLE stats.cells IS '統計表のセル（正確な件数は運営主体だけ、それ以外には秘匿後の件数 published）';
CREATE INDEX cells_table ON stats.cells (table_code, fiscal_year, program);
