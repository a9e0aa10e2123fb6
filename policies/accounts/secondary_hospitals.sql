-- Secondary hospitals (A8): a doctor sees their own applications; the staff
-- of a hospital see the applications to it; the operator sees all. Changes go
-- through the api functions of sql/accounts/secondary_hospitals.sql.
ALTER TABLE app.secondary_hospitals ENABLE ROW LEVEL SECURITY;

CREATE POLICY secondary_hospitals_own ON app.secondary_hospitals FOR SELECT TO doctor
  USING (account_id = (SELECT app.current_account_id()));
CREATE POLICY secondary_hospitals_to_my_hospital ON app.secondary_hospitals FOR SELECT
  TO hospital_users
  USING (hospital_id = (SELECT app.current_organisation_id()));
CREATE POLICY secondary_hospitals_operator ON app.secondary_hospitals FOR SELECT
  TO operator_users
  USING (true);

GRANT SELECT ON app.secondary_hospitals, api.secondary_hospitals
  TO hospital_users, operator_users;
GRANT EXECUTE ON FUNCTION api.apply_secondary_hospital(text) TO doctor;
GRANT EXECUTE ON FUNCTION api.withdraw_secondary_hospital(bigint) TO doctor, hospital_admin;
GRANT EXECUTE ON FUNCTION api.decide_secondary_hospital(bigint, boolean) TO doctor, hospital_admin;
