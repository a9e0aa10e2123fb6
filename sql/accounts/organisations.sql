-- Organisations (D4 master data): the table's checks and audit, and the
-- GET /organisations view.

-- A hospital's authorities must be municipalities running that program.
CREATE OR REPLACE FUNCTION app.organisations_check_authorities()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
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


-- GET/POST/PATCH /organisations: the organisation master (D4). Everyone who
-- works with forms reads it; the operator admin maintains it.
CREATE OR REPLACE VIEW api.organisations
WITH (security_invoker = true) AS
SELECT id, kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman,
       nanbyo_authority_id, shoman_authority_id, created_at, updated_at, address, postal_code
  FROM app.organisations;
COMMENT ON VIEW api.organisations IS '組織マスタ（自治体・医療機関・運営主体・厚生労働省・外部委託事業者）';

-- Changes to the master are account actions too.
CREATE OR REPLACE FUNCTION app.organisations_audit()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.audit('organisation.' || lower(TG_OP), 'success', 'organisation', NEW.id::text,
    jsonb_build_object('code', NEW.code, 'name', NEW.name, 'kind', NEW.kind));
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS organisations_audit ON app.organisations;
CREATE TRIGGER organisations_audit AFTER INSERT OR UPDATE ON app.organisations
  FOR EACH ROW EXECUTE FUNCTION app.organisations_audit();
