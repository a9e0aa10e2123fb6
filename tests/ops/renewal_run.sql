-- What one run of the renewal-season load test needs, made fresh before
-- each run (.ci/renewal-load.sh; tests/ops/renewal_setup.sql made the data):
--   :tokens_file   account id <TAB> role <TAB> organisation id <TAB> JWT:
--                  a session for each load doctor and municipality staff
--                  account, opened as api.login would (app.open_session;
--                  logging 3,094 accounts in through the API would cost
--                  minutes of password hashing). Sessions last
--                  app.session_minutes() (30 minutes).
--   :confirm_file  form id <TAB> doctor account id: the complete drafts
--                  (patients 120,001–130,000) not confirmed by an earlier run
--   :patients_file patient id <TAB> doctor account id: the patients
--                  (130,001–140,000) who have no form yet
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\pset tuples_only on
\pset format unaligned
\pset fieldsep '\t'
\o :tokens_file
SELECT a.id, a.role, a.organisation_id, app.open_session(a) ->> 'token'
  FROM app.accounts a
 WHERE a.login_id LIKE 'load-doctor-%' OR a.login_id LIKE 'load-staff-%'
 ORDER BY a.id;
\o :confirm_file
SELECT f.id, f.doctor_account_id
  FROM app.patients p JOIN app.forms f ON f.patient_id = p.id
 WHERE p.name LIKE '負荷 患者%' AND substring(p.name FROM '[0-9]+$')::int BETWEEN 120001 AND 130000
   AND f.status = 'draft'
 ORDER BY random();
\o :patients_file
SELECT p.id, f.doctor_account_id
  FROM app.patients p
  -- the doctor of the patient's (load-generated) neighbour: a doctor of the same hospital
  CROSS JOIN LATERAL (SELECT a.id AS doctor_account_id FROM app.accounts a
                       WHERE a.organisation_id = p.hospital_id AND a.role = 'doctor'
                       ORDER BY a.id LIMIT 1) f
 WHERE p.name LIKE '負荷 患者%' AND substring(p.name FROM '[0-9]+$')::int > 130000
   AND NOT EXISTS (SELECT FROM app.forms x WHERE x.patient_id = p.id)
 ORDER BY random();
\o
