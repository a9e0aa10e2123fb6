-- Baseline 0.1.0, bulk import: which external record became which form,
-- and the paper-form scans given to contractors. A run-once migration:
-- never edit it after it shipped.

-- Which external record of which hospital became which form. An external id
-- belongs to the organisation that uploaded it (the hospital itself, or a
-- contractor keying its paper forms): nobody can take a hospital's own
-- record ids in advance and so have its real upload reported `duplicate`.
CREATE TABLE app.form_imports (
  hospital_id  bigint NOT NULL REFERENCES app.organisations (id),
  uploader_organisation_id bigint NOT NULL REFERENCES app.organisations (id),
  external_id  text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 100),
  form_id      bigint NOT NULL REFERENCES app.forms (id),
  -- the scan a contractor keyed the form from (paper path, C4)
  scan         text,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  imported_by  bigint NOT NULL REFERENCES app.accounts (id),
  PRIMARY KEY (hospital_id, uploader_organisation_id, external_id)
);
CREATE INDEX form_imports_form ON app.form_imports (form_id);
COMMENT ON TABLE app.form_imports IS '一括登録: 医療機関の記録IDと票の対応（再送で重複しない）';

-- C4: the scans of paper forms the operator gave a contractor to key in. A
-- contractor uploads only for hospitals it was given scans of, and each
-- form it uploads names one of those scans, not yet keyed.
CREATE TABLE app.scan_assignments (
  id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contractor_organisation_id  bigint NOT NULL REFERENCES app.organisations (id),
  hospital_id                 bigint NOT NULL REFERENCES app.organisations (id),
  scan                        text NOT NULL CHECK (length(scan) BETWEEN 1 AND 200),
  assigned_by                 bigint NOT NULL REFERENCES app.accounts (id),
  assigned_at                 timestamptz NOT NULL DEFAULT now(),
  -- the form keyed from it, once imported
  form_id                     bigint REFERENCES app.forms (id),
  UNIQUE (contractor_organisation_id, hospital_id, scan)
);
COMMENT ON TABLE app.scan_assignments IS '紙の票のスキャン: 外部委託事業者への入力依頼';
