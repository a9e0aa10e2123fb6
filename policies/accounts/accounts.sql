-- Accounts. Every change goes through SECURITY DEFINER api functions that
-- check the issuance rules (sql/accounts/); API roles only read, and never the
-- password or key hashes (column grants).
--   hospital roles       their own hospital's accounts, and doctors who applied
--                        to it as a secondary hospital (A8)
--   municipality_admin   accounts it issued and its own staff
--   municipality_staff   its own municipality's accounts
--   operator_*           all
--   ministry_*           the Ministry's own accounts
--   contractor           itself
ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY;

CREATE POLICY accounts_hospital ON app.accounts FOR SELECT TO hospital_users
  USING (organisation_id = (SELECT app.current_organisation_id())
         OR id IN (SELECT s.account_id FROM app.secondary_hospitals s
                    WHERE s.hospital_id = (SELECT app.current_organisation_id())
                      AND s.status IN ('applied', 'approved')));
CREATE POLICY accounts_municipality_admin ON app.accounts FOR SELECT TO municipality_admin
  USING (issued_by_organisation_id = (SELECT app.current_organisation_id())
         OR organisation_id = (SELECT app.current_organisation_id()));
CREATE POLICY accounts_own_organisation ON app.accounts FOR SELECT
  TO municipality_staff, ministry_admin, ministry_staff
  USING (organisation_id = (SELECT app.current_organisation_id()));
CREATE POLICY accounts_operator ON app.accounts FOR SELECT TO operator_users
  USING (true);
CREATE POLICY accounts_self ON app.accounts FOR SELECT TO contractor
  USING (id = (SELECT app.current_account_id()));

GRANT SELECT (id, login_id, role, organisation_id, organisation_kind, issued_by_organisation_id,
              issued_by_account_id, name, name_kana, email, password_must_change, enrolled,
              key_issued_at, enrolment_code_required, last_login_at, is_hospital_admin,
              program, doctor_kind, medical_registry_number, designated_doctor_number,
              designation_expires_on, deleted_at, deletion_reason, created_at, updated_at)
  ON app.accounts TO api_user;

GRANT EXECUTE ON FUNCTION api.list_accounts(bigint, text, text, boolean, integer, integer) TO api_user;
-- Who may issue what is decided row by row inside (app.issuance_problems);
-- roles that can never issue anything are not granted at all.
GRANT EXECUTE ON FUNCTION
  api.issue_account(text, bigint, text, text, text, text, text, text, text, date),
  api.delete_account(bigint, text),
  api.reset_password(bigint), api.unlock_account(bigint), api.reissue_key(bigint)
  TO doctor, hospital_admin, municipality_admin, operator_admin, ministry_admin;
GRANT EXECUTE ON FUNCTION api.transfer_hospital_admin(bigint) TO doctor, hospital_admin;
GRANT EXECUTE ON FUNCTION
  api.issue_accounts_from_csv(text), api.update_doctor_designation(bigint, date, text)
  TO municipality_admin;
GRANT EXECUTE ON FUNCTION api.change_medical_institution_code(bigint, text)
  TO municipality_admin, operator_admin;
-- list_accounts (as the caller) shows whether each account's login id is locked
GRANT EXECUTE ON FUNCTION app.account_locked_until(bigint) TO api_user;
