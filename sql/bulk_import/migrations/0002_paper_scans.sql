-- C4, the paper path (issue #19 item 3): a municipality uploads scans of
-- paper forms (PDF) with their metadata; the operator downloads them and
-- gives them to a contractor (app.scan_assignments, the one mechanism a
-- contractor's XML import checks); the contractor's import keys the scan;
-- the operator marks it done.
--   uploaded ──(operator downloads)──► downloaded ──(contractor's XML import)──►
--   keyed ──(operator)──► done
-- A run-once migration: never edit it after it shipped.

-- B1: paper forms of an old version are accepted for a transition period
-- after the version closed online. Null: a year after online_until
-- (app.paper_accepted_until in sql/bulk_import/paper_scans.sql).
ALTER TABLE app.form_versions ADD COLUMN paper_until date;
ALTER TABLE app.form_versions
  ADD CONSTRAINT form_versions_paper_after_online CHECK (paper_until IS NULL OR paper_until >= online_until);
COMMENT ON COLUMN app.form_versions.paper_until IS
  '紙の票を受け付ける最終日（未設定ならオンライン登録の最終日の1年後）';

-- The scans' metadata. Listing never reads the PDF: the bytes are in
-- app.paper_scan_files.
CREATE TABLE app.paper_scans (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  municipality_id  bigint NOT NULL REFERENCES app.organisations (id),
  program          text NOT NULL REFERENCES app.programs (code),
  disease_code     text CHECK (length(disease_code) BETWEEN 1 AND 20),
  fiscal_year      integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2200),
  form_version_id  bigint REFERENCES app.form_versions (id),
  file_name        text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  byte_size        integer NOT NULL CHECK (byte_size > 0),
  content_sha256   text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  status           text NOT NULL DEFAULT 'uploaded'
                   CHECK (status IN ('uploaded', 'downloaded', 'keyed', 'done')),
  uploaded_by      bigint NOT NULL REFERENCES app.accounts (id),
  uploaded_at      timestamptz NOT NULL DEFAULT now(),
  downloaded_by    bigint REFERENCES app.accounts (id),
  downloaded_at    timestamptz,
  keyed_at         timestamptz,
  -- the form the contractor's import made from it
  form_id          bigint REFERENCES app.forms (id),
  done_by          bigint REFERENCES app.accounts (id),
  done_at          timestamptz,
  -- the same file twice from one municipality is one scan
  UNIQUE (municipality_id, content_sha256),
  CHECK (form_version_id IS NULL OR disease_code IS NOT NULL),
  -- each status has the steps before it
  CONSTRAINT paper_scan_steps CHECK (
    (status = 'uploaded' OR (downloaded_by IS NOT NULL AND downloaded_at IS NOT NULL))
    AND (status NOT IN ('keyed', 'done') OR (keyed_at IS NOT NULL AND form_id IS NOT NULL))
    AND (status <> 'done' OR (done_by IS NOT NULL AND done_at IS NOT NULL)))
);
CREATE INDEX paper_scans_municipality ON app.paper_scans (municipality_id, id DESC);
CREATE INDEX paper_scans_status ON app.paper_scans (status, id DESC);
COMMENT ON TABLE app.paper_scans IS '紙の票のスキャン（PDF）: 自治体が登録し、運営主体が取得し、外部委託事業者が入力する';

-- The PDF itself (already compressed: stored as it is, out of line).
CREATE TABLE app.paper_scan_files (
  paper_scan_id  bigint PRIMARY KEY REFERENCES app.paper_scans (id),
  content        bytea NOT NULL
);
ALTER TABLE app.paper_scan_files ALTER COLUMN content SET STORAGE EXTERNAL;
COMMENT ON TABLE app.paper_scan_files IS '紙の票のスキャンの内容（PDF）';

-- An uploaded scan given to a contractor is an assignment like any other,
-- named by its reference (PS-<id>); one contractor per scan.
ALTER TABLE app.scan_assignments ADD COLUMN paper_scan_id bigint REFERENCES app.paper_scans (id);
CREATE UNIQUE INDEX scan_assignments_paper_scan ON app.scan_assignments (paper_scan_id)
  WHERE paper_scan_id IS NOT NULL;
