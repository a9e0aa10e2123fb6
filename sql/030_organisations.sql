-- Organisations (D4 master data, maintained by the operator): municipalities,
-- hospitals, the operators, the Ministry and contractors. One table, because
-- accounts, audit and every later table point at "an organisation"; the
-- check constraints keep each kind's own columns consistent.
CREATE TABLE IF NOT EXISTS app.organisations (
  id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind                     text NOT NULL
                           CHECK (kind IN ('municipality', 'hospital', 'operator', 'ministry', 'contractor')),
  -- municipality: 6-digit local-government code (地方公共団体コード);
  -- hospital: 10-digit medical institution code (医療機関コード, with check digit);
  -- others: a short code given by the operator (e.g. OP01).
  code                     text NOT NULL,
  name                     text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
  -- 2-digit prefecture code (01 北海道 … 47 沖縄県); null for national bodies.
  prefecture_code          text CHECK (prefecture_code ~ '^(0[1-9]|[1-3][0-9]|4[0-7])$'),
  -- municipalities only
  municipality_kind        text CHECK (municipality_kind IN
                             ('prefecture', 'designated_city', 'core_city', 'child_guidance_city')),
  runs_nanbyo              boolean NOT NULL DEFAULT false,
  runs_shoman              boolean NOT NULL DEFAULT false,
  -- hospitals only: the municipalities that issue its doctors' IDs (A1)
  nanbyo_authority_id      bigint REFERENCES app.organisations (id),
  shoman_authority_id      bigint REFERENCES app.organisations (id),
  -- login ids are <code>-<seq>; the next seq to hand out
  next_account_seq         integer NOT NULL DEFAULT 1,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, code),
  UNIQUE (id, kind),
  CONSTRAINT organisation_code_format CHECK (CASE kind
    WHEN 'municipality' THEN code ~ '^[0-9]{6}$'
    WHEN 'hospital' THEN code ~ '^[0-9]{10}$' AND nanbyo.valid_medical_institution_code(code)
    ELSE code ~ '^[A-Z0-9]{2,10}$' END),
  CONSTRAINT municipality_columns CHECK (
    (kind = 'municipality') = (municipality_kind IS NOT NULL)
    AND (kind = 'municipality' OR NOT (runs_nanbyo OR runs_shoman))
    AND (kind <> 'municipality' OR prefecture_code IS NOT NULL)),
  -- nanbyō is run by prefectures and designated cities only
  CONSTRAINT nanbyo_run_by_prefecture_or_designated_city CHECK (
    NOT runs_nanbyo OR municipality_kind IN ('prefecture', 'designated_city')),
  CONSTRAINT hospital_columns CHECK (
    kind = 'hospital' AND prefecture_code IS NOT NULL
    OR kind <> 'hospital' AND nanbyo_authority_id IS NULL AND shoman_authority_id IS NULL)
);
COMMENT ON TABLE app.organisations IS
  '組織マスタ: 自治体・医療機関・運営主体・厚生労働省・外部委託事業者';

CREATE INDEX IF NOT EXISTS organisations_nanbyo_authority ON app.organisations (nanbyo_authority_id);
CREATE INDEX IF NOT EXISTS organisations_shoman_authority ON app.organisations (shoman_authority_id);

-- A hospital's authorities must be municipalities running that program.
CREATE OR REPLACE FUNCTION app.organisations_check_authorities()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  IF NEW.nanbyo_authority_id IS NOT NULL AND NOT EXISTS (
       SELECT FROM app.organisations
        WHERE id = NEW.nanbyo_authority_id AND kind = 'municipality' AND runs_nanbyo) THEN
    PERFORM app.raise('23514', 'E_AUTHORITY_INVALID',
      '難病の指定医ID発行自治体には、難病を所管する自治体（都道府県・指定都市）を指定してください。');
  END IF;
  IF NEW.shoman_authority_id IS NOT NULL AND NOT EXISTS (
       SELECT FROM app.organisations
        WHERE id = NEW.shoman_authority_id AND kind = 'municipality' AND runs_shoman) THEN
    PERFORM app.raise('23514', 'E_AUTHORITY_INVALID',
      '小慢の指定医ID発行自治体には、小慢を所管する自治体を指定してください。');
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS organisations_check_authorities ON app.organisations;
CREATE TRIGGER organisations_check_authorities
  BEFORE INSERT OR UPDATE ON app.organisations
  FOR EACH ROW EXECUTE FUNCTION app.organisations_check_authorities();
