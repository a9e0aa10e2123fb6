-- Accounts (A1–A11): the table's own triggers. Issuance, login and the
-- hospital admin's work are in the other files of this folder.


DROP TRIGGER IF EXISTS accounts_touch ON app.accounts;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON app.accounts
  FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

-- An account's organisation kind is its role's (app.roles): filled in here,
-- checked by the foreign keys (role, kind) → app.roles and
-- (organisation, kind) → app.organisations.
CREATE OR REPLACE FUNCTION app.accounts_organisation_kind()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.organisation_kind := (SELECT r.organisation_kind FROM app.roles r WHERE r.code = NEW.role);
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS accounts_organisation_kind ON app.accounts;
CREATE TRIGGER accounts_organisation_kind BEFORE INSERT OR UPDATE OF role ON app.accounts
  FOR EACH ROW EXECUTE FUNCTION app.accounts_organisation_kind();
