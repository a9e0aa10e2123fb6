-- Who may do what (issue #4, MISSION.md "Who uses it"): every API role ×
-- every exposed function and view, and every role × rows of its own and of
-- another organisation. The expectations are written out as tables; a new
-- api object without an expectation fails the first test.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

CREATE TEMP TABLE api_roles (role text PRIMARY KEY);
INSERT INTO api_roles VALUES ('web_anon'), ('enrolling'), ('doctor'), ('clerk'), ('hospital_admin'),
  ('municipality_admin'), ('municipality_staff'), ('operator_admin'), ('operator_staff'),
  ('ministry_admin'), ('ministry_staff'), ('contractor'), ('api_token');

-- object, privilege, the roles that have it (every other role must not)
CREATE TEMP TABLE expected_privileges (object text, privilege text, roles text[]);
INSERT INTO expected_privileges VALUES
  ('api.health()', 'EXECUTE', '{web_anon,enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  -- the OpenAPI document (#17): public like PostgREST's own at /
  ('api.openapi()', 'EXECUTE', '{web_anon,enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  -- the codes with their labels for every screen (#18): public master data
  ('api.vocabulary()', 'EXECUTE', '{web_anon,enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('app.api_docs', 'SELECT', '{}'),
  ('app.api_doc_schemas', 'SELECT', '{}'),
  ('api.login(text,text,text,text)', 'EXECUTE', '{web_anon,enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.complete_enrolment(text,text)', 'EXECUTE', '{enrolling}'),
  ('api.logout()', 'EXECUTE', '{enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.whoami()', 'EXECUTE', '{enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.change_password(text,text)', 'EXECUTE', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  -- the browser session (#18): a full session only, never an enrolment session nor an API token
  ('api.renew_session()', 'EXECUTE', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.list_accounts(bigint,text,text,boolean,integer,integer)', 'EXECUTE', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.issue_account(text,bigint,text,text,text,text,text,text,text,date)', 'EXECUTE', '{doctor,hospital_admin,municipality_admin,operator_admin,ministry_admin}'),
  ('api.delete_account(bigint,text)', 'EXECUTE', '{doctor,hospital_admin,municipality_admin,operator_admin,ministry_admin}'),
  ('api.reset_password(bigint)', 'EXECUTE', '{doctor,hospital_admin,municipality_admin,operator_admin,ministry_admin}'),
  ('api.unlock_account(bigint)', 'EXECUTE', '{doctor,hospital_admin,municipality_admin,operator_admin,ministry_admin}'),
  ('api.reissue_key(bigint)', 'EXECUTE', '{doctor,hospital_admin,municipality_admin,operator_admin,ministry_admin}'),
  ('api.transfer_hospital_admin(bigint)', 'EXECUTE', '{doctor,hospital_admin}'),
  ('api.issue_accounts_from_csv(text)', 'EXECUTE', '{municipality_admin}'),
  ('api.update_doctor_designation(bigint,date,text)', 'EXECUTE', '{municipality_admin}'),
  ('api.change_medical_institution_code(bigint,text)', 'EXECUTE', '{municipality_admin,operator_admin}'),
  ('api.search_audit_log(timestamptz,timestamptz,text,text,text,text,text,integer,integer,bigint,text,boolean,timestamptz,bigint)', 'EXECUTE', '{operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('api.verify_audit_log()', 'EXECUTE', '{operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  -- statistics (D1, #20): operator, Ministry, municipalities; the functions keep the runs and the refresh to the operator
  ('api.statistics(integer,text,text,text,text,text)', 'EXECUTE', '{municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('api.statistics_catalog()', 'EXECUTE', '{municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('api.statistics_runs(integer)', 'EXECUTE', '{municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('api.refresh_statistics()', 'EXECUTE', '{municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('api.apply_secondary_hospital(text)', 'EXECUTE', '{doctor}'),
  ('api.decide_secondary_hospital(bigint,boolean)', 'EXECUTE', '{doctor,hospital_admin}'),
  ('api.withdraw_secondary_hospital(bigint)', 'EXECUTE', '{doctor,hospital_admin}'),
  -- API tokens of hospital systems (#17): the hospital admin (checked inside: is_hospital_admin)
  ('api.create_api_token(text,text[],timestamptz)', 'EXECUTE', '{doctor,hospital_admin}'),
  ('api.list_api_tokens()', 'EXECUTE', '{doctor,hospital_admin}'),
  ('api.revoke_api_token(bigint)', 'EXECUTE', '{doctor,hospital_admin}'),
  ('app.api_tokens', 'SELECT', '{}'),
  ('app.api_tokens', 'UPDATE', '{}'),
  ('app.api_token_grants', 'SELECT', '{}'),
  ('app.api_token_scopes', 'SELECT', '{}'),
  ('api.organisations', 'SELECT', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.organisations', 'INSERT', '{operator_admin}'),
  ('api.organisations', 'UPDATE', '{operator_admin}'),
  ('api.organisations', 'DELETE', '{}'),
  ('api.secondary_hospitals', 'SELECT', '{doctor,clerk,hospital_admin,operator_admin,operator_staff}'),
  ('api.secondary_hospitals', 'INSERT', '{}'),
  ('api.secondary_hospitals', 'UPDATE', '{}'),
  ('api.secondary_hospitals', 'DELETE', '{}'),
  -- forms (issue #5)
  ('api.register_patient(text,text,date,text,text,text,jsonb,bigint)', 'EXECUTE', '{doctor,clerk}'),
  ('api.search_patients(text,date,bigint,integer,integer)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.get_patient(bigint)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.update_patient(bigint,text,text,date,text,text,text,jsonb)', 'EXECUTE', '{doctor,clerk}'),
  ('api.create_form(bigint,text,text,bigint,boolean,jsonb)', 'EXECUTE', '{doctor,clerk}'),
  ('api.save_form(bigint,jsonb)', 'EXECUTE', '{doctor,clerk}'),
  -- the live check and the layout for rendering (#18): no stored data read
  ('api.check_form(bigint,jsonb)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff}'),
  ('api.form_layout(bigint)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.comment_on_form(bigint,text,text)', 'EXECUTE', '{doctor,clerk}'),
  ('api.carry_over_form(bigint,text,text,bigint,boolean)', 'EXECUTE', '{doctor,clerk}'),
  ('api.print_access_key_slip(bigint,text)', 'EXECUTE', '{doctor,clerk}'),
  ('api.confirm_form(bigint)', 'EXECUTE', '{doctor}'),
  ('api.issue_access_key(bigint)', 'EXECUTE', '{doctor}'),
  ('api.fetch_form_by_key(text)', 'EXECUTE', '{doctor,municipality_admin,municipality_staff}'),
  ('api.take_over_form(text)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.correct_form(bigint,jsonb)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.review_form(bigint,text)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.register_form(bigint)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  -- the certification decision and the research consent (C2, #19)
  ('api.record_certification(bigint,jsonb)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.check_certification(bigint,jsonb)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.record_research_consent(bigint,date)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.withdraw_research_consent(bigint,date)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('app.certifications', 'SELECT', '{municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('app.certifications', 'INSERT', '{}'),
  ('app.certifications', 'UPDATE', '{}'),
  ('app.certifications', 'DELETE', '{}'),
  ('app.research_consents', 'SELECT', '{municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('app.research_consents', 'INSERT', '{}'),
  ('app.research_consents', 'UPDATE', '{}'),
  ('app.research_consents', 'DELETE', '{}'),
  -- C3: the bulk import of certification results (#19)
  ('api.import_certification_results(bytea)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.import_certification_results(text)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  -- research extraction (D3, #20): the operator; the role checks inside (the admin decides)
  ('api.submit_research_request(text,text,text,text,text[],integer[],text[],bigint,boolean)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.approve_research_request(bigint,boolean,boolean,text)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.reject_research_request(bigint,text)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.research_requests(text)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.research_items(text,text[])', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.research_extraction_csv(bigint)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.research_dictionary(bigint)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('api.research_summary(bigint)', 'EXECUTE', '{operator_admin,operator_staff}'),
  -- D5: the insurance-history link (#20 item 4): the municipality records the identifiers, the operator
  -- admin runs the batches; the tables (above all the linkage ids) are read by no API role
  ('api.record_insurance_identifiers(bigint,text,text,text,text)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.get_insurance_identifiers(bigint)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.create_insurance_inquiry_batch()', 'EXECUTE', '{operator_admin}'),
  ('api.insurance_inquiry_batches()', 'EXECUTE', '{operator_admin}'),
  ('api.insurance_inquiry_request_file(bigint)', 'EXECUTE', '{operator_admin}'),
  ('api.import_insurance_inquiry_answers(bytea)', 'EXECUTE', '{operator_admin}'),
  ('api.import_insurance_inquiry_answers(text)', 'EXECUTE', '{operator_admin}'),
  ('app.insurance_linkages', 'SELECT', '{}'),
  ('app.insurance_linkages', 'INSERT', '{}'),
  ('app.insurance_identifiers', 'SELECT', '{}'),
  ('app.insurance_identifiers', 'INSERT', '{}'),
  ('app.insurance_inquiry_batches', 'SELECT', '{}'),
  ('app.insurance_inquiry_requests', 'SELECT', '{}'),
  ('app.insurance_inquiry_answers', 'SELECT', '{}'),
  ('app.insurance_inquiry_answer_files', 'SELECT', '{}'),
  ('app.current_insurance_identifiers', 'SELECT', '{}'),
  ('app.current_insurance_linkages', 'SELECT', '{}'),
  ('api.get_form(bigint)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.search_forms(text,text,text,integer,bigint,integer,integer)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.assign_scans(bigint,bigint,text[],bigint[])', 'EXECUTE', '{operator_admin,operator_staff}'),
  -- the paper path (C4): the municipality uploads, the operator downloads and closes, the contractor downloads its own
  ('api.upload_paper_scan(jsonb,text,integer,text,bigint)', 'EXECUTE', '{municipality_admin,municipality_staff}'),
  ('api.list_paper_scans(text,integer,text,bigint,integer,integer)', 'EXECUTE', '{municipality_admin,municipality_staff,operator_admin,operator_staff,contractor}'),
  ('api.download_paper_scan(bigint)', 'EXECUTE', '{operator_admin,operator_staff,contractor}'),
  ('api.complete_paper_scan(bigint)', 'EXECUTE', '{operator_admin,operator_staff}'),
  ('app.paper_scans', 'SELECT', '{municipality_admin,municipality_staff,operator_admin,operator_staff,contractor}'),
  ('app.paper_scans', 'INSERT', '{}'),
  ('app.paper_scans', 'UPDATE', '{}'),
  ('app.paper_scan_files', 'SELECT', '{}'),
  ('app.paper_scan_files', 'INSERT', '{}'),
  ('api.csv_agg(anyelement)', 'EXECUTE', '{web_anon,enrolling,doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.print_form(bigint,text)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.print_form_masked(bigint)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.form_versions', 'SELECT', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.form_versions', 'INSERT', '{}'),
  ('api.form_versions', 'UPDATE', '{}'),
  ('api.form_versions', 'DELETE', '{}'),
  ('api.import_forms_xml(text)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.import_forms_xml(xml)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.check_forms_xml(text)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.check_forms_xml(xml)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.import_forms_xml(bytea)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.check_forms_xml(bytea)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.import_forms_xml(jsonb)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.check_forms_xml(jsonb)', 'EXECUTE', '{doctor,clerk,contractor,api_token}'),
  ('api.export_forms_xml(bigint,text,integer,text)', 'EXECUTE', '{doctor,clerk,operator_admin,operator_staff}'),
  ('api.export_forms(bigint,text,integer,text)', 'EXECUTE', '{doctor,clerk,operator_admin,operator_staff}'),
  ('api.data_dictionary(bigint,text)', 'EXECUTE', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  -- the postal-code master (#18): every logged-in user, never anonymous; the tables only through it
  ('api.lookup_postal_code(text)', 'EXECUTE', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  -- master data of D4 (#19 item 4): everyone who works with forms reads the bodies and the
  -- version periods, the operator the history; only the operator admin changes anything
  ('api.add_public_payer_number(bigint,text,text,date,date,text)', 'EXECUTE', '{operator_admin}'),
  ('api.end_public_payer_number(bigint,date)', 'EXECUTE', '{operator_admin}'),
  ('api.import_hospitals_csv(text)', 'EXECUTE', '{operator_admin}'),
  ('api.publish_form_version(jsonb,date)', 'EXECUTE', '{operator_admin}'),
  ('api.set_form_version_online_until(bigint,date)', 'EXECUTE', '{operator_admin}'),
  ('api.implementing_bodies', 'SELECT', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('api.implementing_bodies', 'INSERT', '{}'),
  ('api.implementing_bodies', 'UPDATE', '{}'),
  ('api.implementing_bodies', 'DELETE', '{}'),
  ('api.form_version_periods', 'SELECT', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('api.form_version_periods', 'INSERT', '{}'),
  ('api.form_version_periods', 'UPDATE', '{}'),
  ('api.form_version_periods', 'DELETE', '{}'),
  ('api.master_history', 'SELECT', '{operator_admin,operator_staff}'),
  ('api.master_history', 'INSERT', '{}'),
  ('api.master_history', 'UPDATE', '{}'),
  ('api.master_history', 'DELETE', '{}'),
  ('app.public_payer_numbers', 'INSERT', '{}'),
  ('app.public_payer_numbers', 'UPDATE', '{}'),
  ('app.public_payer_numbers', 'DELETE', '{}'),
  ('app.master_history', 'INSERT', '{}'),
  ('app.master_history', 'UPDATE', '{}'),
  ('app.master_history', 'DELETE', '{}'),
  ('app.postal_codes', 'SELECT', '{}'),
  ('app.postal_codes', 'INSERT', '{}'),
  ('app.postal_code_source', 'SELECT', '{}'),
  -- the disease master (#19): read by every logged-in user; changed by the operator admin, through the API only
  ('api.diseases', 'SELECT', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.diseases', 'INSERT', '{}'),
  ('api.diseases', 'UPDATE', '{}'),
  ('api.diseases', 'DELETE', '{}'),
  ('api.disease_history(text)', 'EXECUTE', '{doctor,clerk,hospital_admin,municipality_admin,municipality_staff,operator_admin,operator_staff,ministry_admin,ministry_staff,contractor}'),
  ('api.add_disease(text,text,date,text,date)', 'EXECUTE', '{operator_admin}'),
  ('api.rename_disease(text,text,text)', 'EXECUTE', '{operator_admin}'),
  ('api.set_disease_effective_until(text,date,text)', 'EXECUTE', '{operator_admin}'),
  ('app.diseases', 'INSERT', '{}'),
  ('app.diseases', 'UPDATE', '{}'),
  ('app.diseases', 'DELETE', '{}'),
  ('app.disease_history', 'SELECT', '{}'),
  ('app.disease_history', 'INSERT', '{}'),
  ('app.form_imports', 'SELECT', '{}'),
  ('app.form_imports', 'INSERT', '{}'),
  ('api.monitoring_flags', 'SELECT', '{operator_admin,operator_staff}'),
  ('api.monitoring_flags', 'INSERT', '{}'),
  ('api.monitoring_flags', 'UPDATE', '{}'),
  ('api.monitoring_flags', 'DELETE', '{}'),
  ('app.forms', 'SELECT', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('app.forms', 'INSERT', '{}'),
  ('app.forms', 'UPDATE', '{}'),
  ('app.forms', 'DELETE', '{}'),
  ('app.patients', 'SELECT', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('app.patients', 'UPDATE', '{}'),
  ('app.patient_history', 'SELECT', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('app.patient_history', 'UPDATE', '{}'),
  ('app.patient_history', 'DELETE', '{}'),
  ('app.form_personal', 'SELECT', '{doctor,clerk,municipality_admin,municipality_staff,operator_admin,operator_staff}'),
  ('app.form_personal', 'UPDATE', '{}'),
  ('app.form_history', 'UPDATE', '{}'),
  ('app.form_history', 'DELETE', '{}'),
  ('app.access_keys', 'SELECT', '{}'),
  -- the tables behind them: never written directly by an API role
  ('app.accounts', 'INSERT', '{}'),
  ('app.accounts', 'UPDATE', '{}'),
  ('app.accounts', 'DELETE', '{}'),
  ('app.audit_log', 'SELECT', '{operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('app.audit_log', 'INSERT', '{}'),
  ('app.audit_log', 'UPDATE', '{}'),
  ('app.audit_log', 'DELETE', '{}'),
  ('app.audit_log', 'TRUNCATE', '{}'),
  ('app.audit_log_default', 'SELECT', '{}'),
  ('app.audit_chain', 'SELECT', '{operator_admin,operator_staff,ministry_admin,ministry_staff}'),
  ('app.audit_chain', 'INSERT', '{}'),
  ('app.audit_chain', 'UPDATE', '{}'),
  ('app.audit_chain', 'DELETE', '{}'),
  ('app.audit_chain', 'TRUNCATE', '{}'),
  ('app.sessions', 'SELECT', '{}'),
  ('app.server_secrets', 'SELECT', '{}'),
  ('app.secondary_hospitals', 'INSERT', '{}'),
  ('app.secondary_hospitals', 'UPDATE', '{}');

SELECT set_eq(
  $$SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace$$,
  $$SELECT object::regprocedure::text FROM expected_privileges WHERE privilege = 'EXECUTE'$$,
  'every api function has an expectation in the privilege matrix');
SELECT set_eq(
  $$SELECT c.oid::regclass::text FROM pg_class c WHERE c.relnamespace = 'api'::regnamespace AND c.relkind IN ('r', 'v', 'm')$$,
  $$SELECT DISTINCT object FROM expected_privileges WHERE object LIKE 'api.%' AND privilege <> 'EXECUTE'$$,
  'every api view has an expectation in the privilege matrix');

SELECT is(
  CASE WHEN e.privilege = 'EXECUTE' THEN has_function_privilege(r.role, e.object, 'EXECUTE')
       -- column grants count: INSERT/UPDATE of some columns is still a write
       WHEN e.privilege IN ('SELECT', 'INSERT', 'UPDATE') THEN has_any_column_privilege(r.role, e.object, e.privilege)
       ELSE has_table_privilege(r.role, e.object, e.privilege) END,
  r.role = ANY (e.roles),
  format('%s %s %s', r.role, CASE WHEN r.role = ANY (e.roles) THEN 'may' ELSE 'may not' END,
         e.privilege || ' ' || e.object))
FROM expected_privileges e CROSS JOIN api_roles r
ORDER BY e.object, e.privilege, r.role;

SELECT ok(NOT has_column_privilege(r.role, 'app.accounts', c, 'SELECT'),
          format('%s cannot read accounts.%s', r.role, c))
  FROM api_roles r CROSS JOIN unnest(ARRAY['password_hash', 'key_hash']) c;

-- Rows. doctor_b applies to hospital A as a secondary hospital: the staff of
-- hospital A then see doctor_b's account (A8), nobody else's outside their own.
INSERT INTO app.secondary_hospitals (account_id, hospital_id)
VALUES (pg_temp.account('doctor_b'), pg_temp.org('1310123455'));
SELECT app.audit('test.entry', 'success');

-- viewer, the accounts it sees (every other fixture account must be hidden)
CREATE TEMP TABLE expected_accounts (viewer text, visible text[]);
INSERT INTO expected_accounts VALUES
  ('doctor_a', '{doctor_a,clerk_a,hospital_admin_a,doctor_b}'),
  ('clerk_a', '{doctor_a,clerk_a,hospital_admin_a,doctor_b}'),
  ('hospital_admin_a', '{doctor_a,clerk_a,hospital_admin_a,doctor_b}'),
  ('doctor_b', '{doctor_b,clerk_b,hospital_admin_b}'),
  ('clerk_b', '{doctor_b,clerk_b,hospital_admin_b}'),
  ('municipality_admin_a', '{doctor_a,hospital_admin_a,municipality_admin_a,municipality_staff_a}'),
  ('municipality_staff_a', '{municipality_admin_a,municipality_staff_a}'),
  ('municipality_admin_b', '{doctor_b,hospital_admin_b,municipality_admin_b,municipality_staff_b}'),
  ('operator_admin_a', NULL),
  ('operator_staff_a', NULL),
  ('ministry_admin_a', '{ministry_admin_a,ministry_staff_a}'),
  ('ministry_staff_a', '{ministry_admin_a,ministry_staff_a}'),
  ('contractor_a', '{contractor_a}'),
  ('contractor_b', '{contractor_b}');
UPDATE expected_accounts SET visible = (SELECT array_agg(login_id) FROM app.accounts) WHERE visible IS NULL;

SELECT is(
  pg_temp.run_as(e.viewer, $$SELECT string_agg(login_id, ',' ORDER BY login_id) FROM app.accounts$$),
  (SELECT string_agg(v, ',' ORDER BY v) FROM unnest(e.visible) v),
  e.viewer || ' sees exactly its accounts in app.accounts')
FROM expected_accounts e ORDER BY e.viewer;

SELECT is(
  pg_temp.run_as(e.viewer, $$SELECT string_agg(login_id, ',' ORDER BY login_id) FROM api.list_accounts("limit" => 1000)$$),
  (SELECT string_agg(v, ',' ORDER BY v) FROM unnest(e.visible) v),
  e.viewer || ' sees exactly its accounts through api.list_accounts')
FROM expected_accounts e ORDER BY e.viewer;

SELECT is(pg_temp.run_as('contractor_b', $$SELECT count(*) FROM api.list_accounts()$$), '1',
          'the contractor lists only itself');
SELECT is(
  (SELECT detail -> 'ids' FROM app.audit_log WHERE action = 'read.accounts'
    ORDER BY id DESC LIMIT 1),
  (SELECT jsonb_agg(id::text ORDER BY id) FROM app.accounts WHERE login_id IN ('contractor_b')),
  'list_accounts logs which accounts were read');
SELECT is(
  (SELECT actor_login_id FROM app.audit_log WHERE action = 'read.accounts' ORDER BY id DESC LIMIT 1),
  'contractor_b', 'and who read them');

-- organisations: everyone but the contractor reads the master; the contractor only itself
SELECT is(
  pg_temp.run_as(v, $$SELECT count(*) FROM api.organisations$$),
  CASE WHEN v LIKE 'contractor%' THEN '1' ELSE (SELECT count(*)::text FROM app.organisations) END,
  v || ' sees ' || CASE WHEN v LIKE 'contractor%' THEN 'only its own organisation' ELSE 'every organisation' END)
FROM unnest(ARRAY['doctor_a', 'clerk_a', 'hospital_admin_a', 'municipality_admin_a', 'municipality_staff_a',
                  'operator_admin_a', 'operator_staff_a', 'ministry_admin_a', 'ministry_staff_a', 'contractor_a']) v;

-- secondary-hospital applications
SELECT is(
  pg_temp.run_as(v, $$SELECT count(*) FROM api.secondary_hospitals$$),
  expected,
  v || ' sees ' || expected || ' secondary-hospital application(s)')
FROM (VALUES ('doctor_a', '1'), ('clerk_a', '1'), ('hospital_admin_a', '1'), ('doctor_b', '1'),
             ('clerk_b', '0'), ('hospital_admin_b', '0'), ('operator_staff_a', '1'),
             ('municipality_admin_a', 'ERROR 42501'), ('ministry_admin_a', 'ERROR 42501'),
             ('contractor_a', 'ERROR 42501')) t(v, expected);

-- audit log
SELECT is(
  pg_temp.run_as(v, $$SELECT (count(*) > 0)::text FROM app.audit_log$$),
  expected, v || CASE WHEN expected = 'true' THEN ' reads' ELSE ' cannot read' END || ' the audit log')
FROM (VALUES ('operator_admin_a', 'true'), ('operator_staff_a', 'true'), ('ministry_admin_a', 'true'),
             ('ministry_staff_a', 'true'), ('doctor_a', 'ERROR 42501'), ('clerk_a', 'ERROR 42501'),
             ('hospital_admin_a', 'ERROR 42501'), ('municipality_admin_a', 'ERROR 42501'),
             ('municipality_staff_a', 'ERROR 42501'), ('contractor_a', 'ERROR 42501')) t(v, expected);

-- direct writes are refused for every role, own organisation included
SELECT is(
  pg_temp.run_as(v, format($$UPDATE app.accounts SET name = 'x' WHERE login_id = %L RETURNING 1$$, v)),
  'ERROR 42501', v || ' cannot update even its own account row directly')
FROM unnest(ARRAY['doctor_a', 'hospital_admin_a', 'municipality_admin_a', 'operator_admin_a']) v;
SELECT is(
  pg_temp.run_as('operator_admin_a', $$UPDATE api.organisations SET name = '病院A（新）' WHERE code = '1310123455' RETURNING name$$),
  '病院A（新）', 'the operator admin maintains the organisation master');
SELECT is(
  pg_temp.run_as('municipality_admin_a', $$UPDATE api.organisations SET name = 'x' WHERE code = '1310123455' RETURNING name$$),
  'ERROR 42501', 'a municipality admin cannot change the organisation master');
SELECT is(
  pg_temp.run_as('operator_admin_a', $$UPDATE api.organisations SET code = '1411109875' WHERE code = '1310123455' RETURNING code$$),
  'ERROR 42501', 'a hospital code changes only through change_medical_institution_code');

-- the enrolment role can do nothing but enrol
SELECT is(
  pg_temp.run_as('doctor_a', $$SELECT count(*) FROM api.organisations$$, 'enrolling'),
  'ERROR 42501', 'an enrolling session cannot read organisations');
SELECT is(
  pg_temp.run_as('doctor_a', $$SELECT api.list_accounts()$$, 'enrolling'),
  'ERROR 42501', 'an enrolling session cannot list accounts');

SELECT * FROM finish();
ROLLBACK;
