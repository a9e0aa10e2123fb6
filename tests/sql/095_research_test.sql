-- Research extraction (D3, issue #20 item 3) and the analysts' SQL role
-- (item 5): the request rules and who may decide, what an extraction holds
-- (consented registered forms only, no personal value of the forms it came
-- from), the pseudonym (stable in a request across fiscal years and
-- hospitals, re-keyed per request, shared by an approved linked request),
-- a failure that writes nothing, the summary's small cells, the job, and
-- what nanbyo_analyst cannot read.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
SET LOCAL client_min_messages = warning;
\ir fixtures/accounts.sql

-- HMAC-SHA256 against RFC 4231 test cases 1, 2 and 6 (a key longer than a block)
SELECT is(encode(app.hmac_sha256(decode(repeat('0b', 20), 'hex'), convert_to('Hi There', 'UTF8')), 'hex'),
  'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', 'HMAC-SHA256: RFC 4231 case 1');
SELECT is(encode(app.hmac_sha256(convert_to('Jefe', 'UTF8'), convert_to('what do ya want for nothing?', 'UTF8')), 'hex'),
  '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'HMAC-SHA256: RFC 4231 case 2');
SELECT is(encode(app.hmac_sha256(decode(repeat('aa', 131), 'hex'),
                 convert_to('Test Using Larger Than Block-Size Key - Hash Key First', 'UTF8')), 'hex'),
  '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', 'HMAC-SHA256: RFC 4231 case 6');
SELECT is(app.research_kana('ﾔﾏﾀﾞ ﾀﾛｳ'), app.research_kana('ヤマダ　タロウ'), 'the kana name is normalised (width, spaces)');
SELECT is(app.research_age_band('1920-05-01', '2026-04-01'), '100+', '100 and over are pooled');
SELECT is(app.research_age_band('2010-04-02', '2026-04-01'), '15-19', '5-year bands');

-- Registered forms of N006 made directly: patient, personal part, clinical
-- data, certification, consent. Each patient row belongs to one hospital.
CREATE FUNCTION pg_temp.form(name text, kana text, birth date, sex text, fy integer, hospital text, municipality text,
                             consent boolean DEFAULT true, status text DEFAULT 'registered', address text DEFAULT '東京都港区芝公園4-2-8')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  pid bigint;
  fid bigint;
BEGIN
  INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, postal_code, address, insurance)
  VALUES (pg_temp.org(hospital), name, kana, birth, sex, '1050011', address,
          jsonb_build_object('insurer_number', '06139999', 'symbol', 'ケンキュウ', 'number', '7654321'))
  RETURNING id INTO pid;
  INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                         purpose, consent_db_registration, status, data, judgment, fiscal_year, municipality_id, confirmed_at)
  VALUES (pid, (SELECT id FROM app.form_versions WHERE disease_code = 'N006'), 'N006', 'nanbyo', pg_temp.org(hospital),
          pg_temp.account('doctor_a'), pg_temp.account('doctor_a'), 'new', true, status,
          jsonb_build_object('hoehn_yahr', 3, 'life_function_grade', 2, 'diagnosis_date', fy || '-01-20',
                             'clinical_course', '自由記載の経過 ' || name, 'application_type', 'new'),
          '{"primary_judgment": "meets"}', fy, pg_temp.org(municipality), now())
  RETURNING id INTO fid;
  INSERT INTO app.form_personal (form_id, fiscal_year, data)
  VALUES (fid, fy, jsonb_build_object('patient_name', name, 'patient_name_kana', kana, 'patient_birth_date', birth,
                                  'patient_address', address, 'patient_postal_code', '1050011'));
  INSERT INTO app.certifications (form_id, program, outcome, recipient_number, public_payer_number, application_received_on,
                                  valid_from, valid_until, income_tier, special_case, monthly_cap_yen)
  VALUES (fid, 'nanbyo', 'granted', '98765' || fid % 10, '54130018', make_date(fy, 2, 1), make_date(fy, 2, 1),
          make_date(fy + 1, 1, 31), 'general1', 'none', 10000);
  IF consent THEN
    INSERT INTO app.research_consents (form_id, consented_on) VALUES (fid, make_date(fy, 2, 1));
  END IF;
  RETURN fid;
END $$;
-- one patient, two fiscal years at two hospitals (the kana written two ways)
SELECT pg_temp.form('研究 一郎', 'ケンキュウ イチロウ', '1960-07-15', '1', 2024, '1310123455', '130001') AS f1 \gset
SELECT pg_temp.form('研究 一郎', 'ケンキュウ　イチロウ', '1960-07-15', '1', 2025, '1410543215', '140007') AS f2 \gset
-- another patient; a withdrawn consent; no consent; not registered
SELECT pg_temp.form('解析 花子', 'カイセキ ハナコ', '1985-03-03', '2', 2025, '1310123455', '130001') AS f3 \gset
SELECT pg_temp.form('撤回 次郎', 'テッカイ ジロウ', '1970-01-01', '1', 2025, '1310123455', '130001') AS f4 \gset
UPDATE app.research_consents SET withdrawn_on = '2025-06-01', withdrawn_at = now() WHERE form_id = :f4;
SELECT pg_temp.form('同意無 三郎', 'ドウイナシ サブロウ', '1971-01-01', '1', 2025, '1310123455', '130001', false) AS f5 \gset
SELECT pg_temp.form('審査中 四郎', 'シンサチュウ シロウ', '1972-01-01', '1', 2025, '1310123455', '130001', true, 'reviewed') AS f6 \gset

-- the request rules
CREATE FUNCTION pg_temp.submit(login text, items text, extra text DEFAULT '') RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.run_as(login, format($q$SELECT api.submit_research_request('研究 太郎', '国立研究所', '疫学研究', 'nanbyo',
    ARRAY['N006'], ARRAY[2024, 2025], %L::text[]%s)->>'id'$q$, items, extra)) $$;
SELECT pg_temp.submit('operator_staff_a', '{hoehn_yahr,life_function_grade,diagnosis_date}')::bigint AS r1 \gset
SELECT is((SELECT state || '/' || items::text FROM app.research_requests WHERE id = :r1),
  'submitted/{hoehn_yahr,life_function_grade,diagnosis_date}', 'operator staff submit a request on the researcher''s behalf');
SELECT pg_temp.submit('operator_staff_a', '{hoehn_yahr}')::bigint AS r2 \gset
SELECT pg_temp.submit('operator_staff_a', '{hoehn_yahr}', format(', linked_to => %s', :r1))::bigint AS r3 \gset
SELECT is(pg_temp.submit('operator_staff_a', '{patient_name}'), 'ERROR 22023 E_RESEARCH_ITEM_REFUSED', 'a personal item is refused');
SELECT is(pg_temp.submit('operator_staff_a', '{patient_sex}'), 'ERROR 22023 E_RESEARCH_ITEM_REFUSED', 'an item of the patient block is refused');
SELECT is(pg_temp.submit('operator_staff_a', '{doctor_name}'), 'ERROR 22023 E_RESEARCH_ITEM_REFUSED', 'an item of the doctor block is refused');
SELECT is(pg_temp.submit('operator_staff_a', '{clinical_course}'), 'ERROR 22023 E_RESEARCH_ITEM_REFUSED', 'free text is refused');
SELECT is(pg_temp.submit('operator_staff_a', '{no_such_item}'), 'ERROR 22023 E_RESEARCH_ITEM_REFUSED', 'an unknown item is refused');
SELECT matches(pg_temp.run_as('operator_staff_a', $q$SELECT api.submit_research_request('a', 'b', 'c', 'nanbyo', ARRAY['N006'], ARRAY[2025], ARRAY['patient_name'])::text$q$, error_message => true),
  'patient_name（個人情報の項目）', 'the refusal names the item and why');
SELECT is(pg_temp.run_as('operator_staff_a', $q$SELECT api.submit_research_request('a', 'b', 'c', 'nanbyo', ARRAY['S0701'], ARRAY[2025])::text$q$),
  'ERROR 22023 E_UNKNOWN_DISEASE', 'a disease of the other program is refused');
SELECT is(pg_temp.run_as('operator_staff_a', $q$SELECT api.submit_research_request('', 'b', 'c', 'nanbyo', ARRAY['N006'], ARRAY[2025])::text$q$),
  'ERROR 22023 E_RESEARCH_FIELD_REQUIRED', 'the researcher is required');
SELECT is(pg_temp.submit('ministry_admin_a', '{hoehn_yahr}'), 'ERROR 42501', 'the Ministry cannot submit (no grant)');
SELECT is(pg_temp.submit('municipality_admin_a', '{hoehn_yahr}'), 'ERROR 42501', 'a municipality cannot submit');
SELECT is((SELECT count(*)::int FROM app.research_requests WHERE submitted_by = pg_temp.account('operator_staff_a')), 3,
  'nothing written by the refusals');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action = 'research.submit' AND target_id = :'r1'), 1, 'the submission is audited');

SELECT is(pg_temp.run_as('operator_staff_a', $q$SELECT string_agg(x ->> 'item_id' || ':' || (x ->> 'allowed') || ':' || coalesce(x ->> 'refusal', ''), ',' ORDER BY x ->> 'item_id')
    FROM jsonb_array_elements(api.research_items('nanbyo', ARRAY['N006'])) x
   WHERE x ->> 'item_id' IN ('hoehn_yahr', 'patient_name', 'patient_sex', 'clinical_course', 'diagnosis_date')$q$),
  'clinical_course:false:free_text,diagnosis_date:true:,hoehn_yahr:true:,patient_name:false:personal,patient_sex:false:identifying_block',
  'the items a request may ask for, and why not, from the definitions');
SELECT is(pg_temp.run_as('doctor_a', $q$SELECT api.research_items('nanbyo', ARRAY['N006'])::text$q$), 'ERROR 42501', 'the operator''s only');
SELECT ok(to_regclass('stats.cells') IS NULL OR NOT has_table_privilege('nanbyo_analyst', 'stats.cells', 'SELECT'),
  'the analysts never read the exact statistics');

-- deciding: the admin only; a submitted request only
SELECT is(pg_temp.run_as('operator_staff_a', format('SELECT api.approve_research_request(%s)::text', :r1)),
  'ERROR 42501 E_ROLE_NOT_ALLOWED', 'operator staff cannot approve');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s, linked => true)::text', :r1)),
  'ERROR 22023 E_RESEARCH_NOT_LINKED', 'a request that asked for no link cannot be approved as linked');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s, linked => true)->>''state''', :r3)),
  'ERROR 55000 E_RESEARCH_LINK_NOT_APPROVED', 'the linked request waits for its parent''s approval');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s)->>''state''', :r1)), 'approved', 'the admin approves');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s)->>''state''', :r2)), 'approved', 'and another');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s, linked => true)->>''link_approved''', :r3)), 'true',
  'the linked request approved as linked');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.reject_research_request(%s, ''理由'')::text', :r1)),
  'ERROR 55000 E_RESEARCH_REQUEST_STATE', 'an approved request cannot be rejected');
SELECT pg_temp.submit('operator_staff_a', '{hoehn_yahr}')::bigint AS r4 \gset
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.reject_research_request(%s, '' '')::text', :r4)),
  'ERROR 22023 E_RESEARCH_REASON_REQUIRED', 'a rejection needs its reason');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.reject_research_request(%s, ''目的が不明確'')->>''state''', :r4)),
  'rejected', 'the admin rejects with the reason');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action IN ('research.approve', 'research.reject')
            AND actor_account_id = pg_temp.account('operator_admin_a')), 4, 'decisions are audited');

-- the run
SELECT is(app.run_research_extractions() - ARRAY(SELECT id::text FROM app.research_requests WHERE id NOT IN (:r1, :r2, :r3)),
  jsonb_build_object(:'r1', 'done', :'r2', 'done', :'r3', 'done'),
  'the job function runs the approved requests');
SELECT is((SELECT state FROM app.research_requests WHERE id = :r4), 'rejected', 'a rejected request is not run');
SELECT is((SELECT row_count FROM app.research_requests WHERE id = :r1), 3, 'three forms extracted');
SELECT is((SELECT count(DISTINCT pseudonym)::int FROM research.extraction_rows WHERE request_id = :r1), 2, 'of two patients');
SELECT is((SELECT count(DISTINCT fiscal_year)::int FROM research.extraction_rows e WHERE request_id = :r1
            AND pseudonym = (SELECT pseudonym FROM research.extraction_rows WHERE request_id = :r1 AND fiscal_year = 2024)), 2,
  'one patient has one pseudonym across two fiscal years and two hospitals');
SELECT is((SELECT count(*)::int FROM research.extraction_rows a JOIN research.extraction_rows b USING (pseudonym)
            WHERE a.request_id = :r1 AND b.request_id = :r2), 0, 'another request has other pseudonyms');
SELECT set_eq(format('SELECT pseudonym FROM research.extraction_rows WHERE request_id = %s', :r3),
              format('SELECT pseudonym FROM research.extraction_rows WHERE request_id = %s', :r1),
  'the approved linked request shares its parent''s pseudonyms');
SELECT is((SELECT array_agg(DISTINCT prefecture_code ORDER BY prefecture_code) FROM research.extraction_rows WHERE request_id = :r1),
  ARRAY['13', '14'], 'the prefecture of the implementing body');
SELECT is((SELECT items FROM research.extraction_rows WHERE request_id = :r1 AND fiscal_year = 2024),
  '{"hoehn_yahr": 3, "life_function_grade": 2, "diagnosis_date": "2024-01"}'::jsonb, 'the requested items, a date as year-month');
SELECT is((SELECT array_agg(DISTINCT age_band || '/' || sex || '/' || certification_outcome || '/' || primary_judgment)
             FROM research.extraction_rows WHERE request_id = :r1 AND fiscal_year = 2025),
  ARRAY['40-44/2/granted/meets', '60-64/1/granted/meets'], 'age band, sex, outcome and primary judgment');
-- no personal value of the source forms anywhere in the CSV
CREATE TEMP TABLE csv AS SELECT app.research_csv(:r1) AS body;
SELECT is((SELECT count(*)::int FROM csv, app.forms f JOIN app.patients p ON p.id = f.patient_id
             JOIN app.certifications c ON c.form_id = f.id
            WHERE f.id IN (:f1, :f2, :f3, :f4, :f5, :f6)
              AND (position(p.name IN body) > 0 OR position(p.name_kana IN body) > 0
                   OR position(app.research_kana(p.name_kana) IN body) > 0 OR position(p.address IN body) > 0
                   OR position('港区' IN body) > 0 OR position(p.birth_date::text IN body) > 0
                   OR position(to_char(p.birth_date, 'YYYY-MM') IN body) > 0 OR position(p.postal_code IN body) > 0
                   OR position(c.recipient_number IN body) > 0 OR position(c.public_payer_number IN body) > 0
                   OR position(p.insurance ->> 'insurer_number' IN body) > 0 OR position(p.insurance ->> 'number' IN body) > 0
                   OR position('自由記載' IN body) > 0)), 0,
  'the CSV holds no name, kana, address, postal code, birth date or month, recipient, payer or insurance number, free text');
SELECT is(split_part((SELECT body FROM csv), E'\r\n', 1),
  '"pseudonym","fiscal_year","program","disease_code","age_band","sex","prefecture_code","primary_judgment","certification_outcome","hoehn_yahr","life_function_grade","diagnosis_date"',
  'the CSV''s columns');
SELECT is((SELECT count(*)::int FROM research.dictionary WHERE request_id = :r1), 12, 'the dictionary has every column');
SELECT is((SELECT label || '/' || type FROM research.dictionary WHERE request_id = :r1 AND column_name = 'hoehn_yahr'),
  (SELECT i ->> 'label' || '/integer' FROM app.form_versions v, jsonb_array_elements(nanbyo.data_dictionary(v.definition)) i
    WHERE v.disease_code = 'N006' AND i ->> 'item_id' = 'hoehn_yahr'), 'the dictionary takes the definition''s label and type');
SELECT ok((SELECT codes @> '[{"code": "granted", "label": "認定"}]' FROM research.dictionary WHERE request_id = :r1
            AND column_name = 'certification_outcome'), 'codes with their labels');
-- the summary: the counts of 1 are hidden, and so is every total they would be worked out from
SELECT is((SELECT count(*)::int FROM research.summary WHERE request_id = :r1 AND patients BETWEEN 1 AND 9), 0,
  'no count from 1 to 9 is shown');
SELECT is((SELECT count(*)::int FROM research.summary WHERE request_id = :r1 AND sex = '*' AND age_band = '*' AND suppressed), 2,
  'the totals of 1 are hidden');
SELECT is((SELECT count(*)::int FROM research.summary WHERE request_id = :r1 AND patients = 0 AND NOT suppressed) > 0, true,
  'zeros are shown');

-- the NDB linkage id (D5): read from app.insurance_linkages, the newest per
-- patient (a stand-in of wt/insurance's table here, the real one set aside)
SELECT pg_temp.submit('operator_staff_a', '{hoehn_yahr}', ', ndb_linkage => true')::bigint AS r5 \gset
SELECT pg_temp.submit('operator_staff_a', '{hoehn_yahr}', ', ndb_linkage => true')::bigint AS r6 \gset
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s, ndb_linkage => true)->>''ndb_linkage_approved''', :r5)),
  'true', 'the NDB linkage approved');
SELECT is(pg_temp.run_as('operator_admin_a', format('SELECT api.approve_research_request(%s, ndb_linkage => true)->>''ndb_linkage_approved''', :r6)),
  'true', 'and another');
DO $$ BEGIN
  IF to_regclass('app.insurance_linkages') IS NOT NULL THEN
    ALTER TABLE app.insurance_linkages RENAME TO insurance_linkages_set_aside;
  END IF;
END $$;
CREATE TABLE app.insurance_linkages (id bigint GENERATED ALWAYS AS IDENTITY, patient_id bigint, linkage_id text);
INSERT INTO app.insurance_linkages (patient_id, linkage_id)
SELECT patient_id, v FROM app.forms, (VALUES ('old-' || repeat('0', 10)), ('NDB-LINK-' || repeat('7', 8))) x (v)
 WHERE id = :f1;
SELECT is(app.run_research_extraction(:r6), 'done', 'a request with the NDB column runs');
SELECT is((SELECT array_agg(DISTINCT coalesce(ndb_linkage_id, '-') ORDER BY coalesce(ndb_linkage_id, '-'))
             FROM research.extraction_rows WHERE request_id = :r6), ARRAY['-', 'NDB-LINK-77777777'],
  'the patient''s newest linkage id, none for a patient without one');
SELECT ok((SELECT count(*) = 1 FROM research.dictionary WHERE request_id = :r6 AND column_name = 'ndb_linkage_id')
          AND (SELECT count(*) = 0 FROM research.dictionary WHERE request_id = :r1 AND column_name = 'ndb_linkage_id'),
  'the column only where approved');
DROP TABLE app.insurance_linkages;

-- a failure (the D5 table missing): nothing of it written, the reason kept
SELECT is(app.run_research_extraction(:r5), 'failed', 'a run that cannot finish fails');
SELECT matches((SELECT failure FROM app.research_requests WHERE id = :r5), 'insurance_linkages', 'with the reason');
SELECT is((SELECT count(*)::int FROM research.extraction_rows WHERE request_id = :r5)
          + (SELECT count(*)::int FROM research.dictionary WHERE request_id = :r5), 0, 'and writes nothing');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action = 'research.run' AND outcome = 'failure' AND target_id = :'r5'), 1,
  'the failure is audited');

-- the downloads: the operator only, a done request only, audited
SELECT matches(pg_temp.run_as('operator_staff_a', format('SELECT api.research_extraction_csv(%s)::text', :r1)), '^"pseudonym"',
  'the operator downloads the CSV');
SELECT is(pg_temp.run_as('ministry_admin_a', format('SELECT api.research_extraction_csv(%s)::text', :r1)),
  'ERROR 42501', 'the Ministry cannot (no grant)');
SELECT is(pg_temp.run_as('operator_staff_a', format('SELECT api.research_extraction_csv(%s)::text', :r5)),
  'ERROR 55000 E_RESEARCH_NOT_DONE', 'a failed request has nothing to download');
SELECT is(pg_temp.run_as('operator_staff_a', format('SELECT count(*)::text FROM api.research_dictionary(%s)', :r1)), '12',
  'the dictionary');
SELECT is((SELECT count(*)::int FROM app.audit_log WHERE action IN ('read.research_extraction', 'read.research_dictionary')
            AND target_id = :'r1'), 2, 'the downloads are audited');

-- the nightly job is scheduled
SELECT is((SELECT command FROM cron.job WHERE jobname = 'nanbyo-research-extractions'), 'CALL app.research_extraction_job()',
  'pg_cron runs the job every night');

-- the analysts' role reads the outputs and nothing personal
SET LOCAL ROLE nanbyo_analyst;
SELECT is((SELECT count(*)::int FROM research.extraction_rows WHERE request_id = :r1), 3, 'the analyst reads the extraction rows');
SELECT ok((SELECT count(*) FROM research.summary) > 0 AND (SELECT count(*) FROM research.dictionary) > 0
          AND (SELECT count(*) FROM research.requests) > 0, 'the summary, the dictionary and the requests');
SELECT throws_ok(format('SELECT 1 FROM %s LIMIT 1', t), '42501', NULL, 'the analyst cannot read ' || t)
  FROM unnest(ARRAY['app.patients', 'app.forms', 'app.form_personal', 'app.form_history', 'app.certifications',
                    'app.research_consents', 'app.audit_log', 'app.accounts', 'app.research_keys', 'app.research_requests',
                    'app.server_secrets', 'app.access_keys']) t;
SELECT throws_ok('SELECT api.research_requests()', '42501', NULL, 'nor call the API');
RESET ROLE;
SELECT ok(NOT has_schema_privilege('nanbyo_analyst', 'app', 'USAGE'), 'no usage of the app schema at all');

SELECT * FROM finish();
ROLLBACK;
