-- The certification decision and the research consent (C2, B11;
-- sql/municipality/certification.sql). Who reads the tables with plain SQL:
--   municipality_*   the rows of the forms their municipality took over
--   operator_*       all (statistics, research extraction of consented forms)
-- The doctor sees the outcome only through the form's answers
-- (app.certification_document); no one writes but the api functions.
-- The history rows of these parts are kept from the hospital the same way
-- (policies/forms/forms.sql, form_history_follows_form).
ALTER TABLE app.certifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.research_consents ENABLE ROW LEVEL SECURITY;

CREATE POLICY certifications_municipality ON app.certifications FOR SELECT TO municipality_users
  USING (EXISTS (SELECT FROM app.forms f WHERE f.id = form_id));
CREATE POLICY certifications_operator ON app.certifications FOR SELECT TO operator_users USING (true);
CREATE POLICY research_consents_municipality ON app.research_consents FOR SELECT TO municipality_users
  USING (EXISTS (SELECT FROM app.forms f WHERE f.id = form_id));
CREATE POLICY research_consents_operator ON app.research_consents FOR SELECT TO operator_users USING (true);

REVOKE ALL ON app.certifications, app.research_consents FROM PUBLIC;
GRANT SELECT ON app.certifications, app.research_consents TO municipality_users, operator_users;

GRANT EXECUTE ON FUNCTION
  api.record_certification(bigint, jsonb), api.check_certification(bigint, jsonb),
  api.record_research_consent(bigint, date), api.withdraw_research_consent(bigint, date)
  TO municipality_users;
