-- 0.2.0, municipality: the log of bulk imports of certification results
-- (C3, api.import_certification_results in
-- sql/municipality/certification_import.sql). One row per file a
-- municipality imported (applied, or found unchanged): its SHA-256, the
-- encoding it was read in, how many rows it had and what became of them.
-- A refused file writes nothing here (its refusal is in the audit log).
CREATE TABLE app.certification_imports (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  municipality_id  bigint NOT NULL REFERENCES app.organisations (id),
  file_sha256      text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  encoding         text NOT NULL CHECK (encoding IN ('UTF8', 'UTF8_BOM', 'SJIS')),
  rows             integer NOT NULL CHECK (rows >= 0),
  applied          integer NOT NULL CHECK (applied >= 0),
  unchanged        integer NOT NULL CHECK (unchanged >= 0),
  imported_by      bigint NOT NULL REFERENCES app.accounts (id),
  imported_at      timestamptz NOT NULL DEFAULT now(),
  request_id       text,
  CHECK (applied + unchanged = rows)
);
CREATE INDEX certification_imports_file ON app.certification_imports (municipality_id, file_sha256);
COMMENT ON TABLE app.certification_imports IS '認定結果の一括取込の記録（ファイルのハッシュ・行数・反映/変更なしの件数・取込者）';
