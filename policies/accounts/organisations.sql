-- Organisations: master data everyone who works with forms reads (to pick a
-- hospital, see who issued an ID); only the operator admin changes it (D4).
-- The contractor reads nothing (MISSION.md) and sees only itself.
ALTER TABLE app.organisations ENABLE ROW LEVEL SECURITY;

CREATE POLICY organisations_read ON app.organisations FOR SELECT
  TO hospital_users, municipality_users, operator_users, ministry_users
  USING (true);
CREATE POLICY organisations_contractor_self ON app.organisations FOR SELECT TO contractor
  USING (id = (SELECT app.current_organisation_id()));
CREATE POLICY organisations_operator_insert ON app.organisations FOR INSERT TO operator_admin
  WITH CHECK (true);
CREATE POLICY organisations_operator_update ON app.organisations FOR UPDATE TO operator_admin
  USING (true) WITH CHECK (true);

GRANT SELECT ON app.organisations, api.organisations TO api_user;
GRANT INSERT (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman,
              nanbyo_authority_id, shoman_authority_id),
      UPDATE (name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman,
              nanbyo_authority_id, shoman_authority_id)
  ON app.organisations, api.organisations TO operator_admin;
-- A hospital's code changes only through api.change_medical_institution_code (A10).
