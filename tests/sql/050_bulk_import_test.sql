-- Bulk import limits and refusals inside the database (issue #6): an
-- oversized body is refused before it is parsed; a malformed file leaves
-- nothing written even after good forms were read.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(22);
\ir fixtures/accounts.sql

CREATE TEMP TABLE good AS SELECT format($x$<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1">
<header hospital="1310123455" doctor="D1000001"/>
<form external-id="T-1" disease="N006" purpose="renewal">
<patient><name>患者 乙</name><name-kana>カンジャ オツ</name-kana><birth-date>1960-01-01</birth-date><sex>1</sex><address>東京都港区1</address></patient>
<item id="entry_date">2026-11-20</item><item id="medical_institution_code">1310123455</item>
<item id="medical_institution_name">病院A</item><item id="doctor_name">医師</item><item id="consent_db_registration">true</item>
<item id="parkinsonism">true</item><item id="imaging_no_abnormality">true</item><item id="no_drug_toxin_exposure">true</item>
<item id="antiparkinson_response">true</item><item id="hoehn_yahr">3</item><item id="life_function_grade">2</item>
</form>
$x$) AS head;
GRANT SELECT ON good TO PUBLIC;

SELECT is(pg_temp.run_as('doctor_a', $$SELECT api.import_forms_xml((SELECT head FROM good) || '</nanbyo-forms>') ->> 'accepted'$$),
  '1', 'a well-formed file with one valid draft is imported');

-- the same forms followed by a broken element: the whole upload is refused
SELECT is(pg_temp.run_as('doctor_a', $$SELECT api.import_forms_xml(replace((SELECT head FROM good), 'T-1', 'T-2') || '<form></nanbyo-forms>')$$),
  'ERROR 2200M E_XML_MALFORMED', 'a file broken after a good form is refused whole');
SELECT is((SELECT count(*)::int FROM app.form_imports WHERE external_id = 'T-2'), 0, 'and nothing of it was written');


-- The reader hands the import batches: each the header and up to N forms.
SELECT is((SELECT string_agg(cardinality(b)::text || ':' || (b[1] ->> 'kind') || ':' || (b[cardinality(b)] ->> 'external_id'), ' ')
             FROM nanbyo.read_forms_xml_batches((SELECT head FROM good) || replace(substr((SELECT head FROM good),
                    strpos((SELECT head FROM good), '<form ')), 'T-1', 'T-9') || '</nanbyo-forms>', 1) AS b),
  '2:header:T-1 2:header:T-9', 'batches of the header and one form each');
SELECT is((SELECT string_agg(cardinality(b)::text || ':' || (b[1] ->> 'kind'), ' ')
             FROM nanbyo.read_forms_xml_batches('<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1310123455"/></nanbyo-forms>', 1000) AS b),
  '1:header', 'a file of no forms is one batch: its header');

-- Forms are stored a batch at a time. A form the database refuses (here a
-- constraint only this test adds) sends its batch form by form: it alone
-- is rejected and writes nothing. A record id repeated in the file is an
-- error of the file's (as the check tool says); one person is one patient.
ALTER TABLE app.patients ADD CONSTRAINT test_refuses_one_name CHECK (name <> '患者 丙');
CREATE TEMP TABLE batch_report AS
SELECT pg_temp.run_as('doctor_a', format($$SELECT api.import_forms_xml(%L)::text$$,
  replace((SELECT head FROM good), 'T-1', 'T-10')
  || replace(replace(substr((SELECT head FROM good), strpos((SELECT head FROM good), '<form ')), 'T-1', 'T-11'), '患者 乙', '患者 丙')
  || replace(substr((SELECT head FROM good), strpos((SELECT head FROM good), '<form ')), 'T-1', 'T-10')
  || replace(substr((SELECT head FROM good), strpos((SELECT head FROM good), '<form ')), 'T-1', 'T-12')
  || '</nanbyo-forms>'))::jsonb AS r;
SELECT is((SELECT string_agg(x ->> 'external_id' || ' ' || (x ->> 'result'), ', ' ORDER BY (x ->> 'index')::int)
             FROM batch_report, jsonb_array_elements(r -> 'results') x),
  'T-10 accepted, T-11 rejected, T-10 rejected, T-12 accepted', 'each form of a batch gets its own result');
SELECT is((SELECT x -> 'problems' -> -1 ->> 'code' FROM batch_report, jsonb_array_elements(r -> 'results') x
            WHERE x ->> 'external_id' = 'T-11'), 'E_IMPORT', 'the refused form names why');
SELECT ok((SELECT x -> 'problems' -> -1 ->> 'message' FROM batch_report, jsonb_array_elements(r -> 'results') x
            WHERE x ->> 'external_id' = 'T-11') LIKE 'この票はデータベースに保存できませんでした%test_refuses_one_name%',
  'in Japanese, with the database''s reason');
SELECT is((SELECT count(*)::int FROM app.patients WHERE name = '患者 丙'), 0, 'and wrote no patient');
SELECT is((SELECT count(*)::int FROM app.form_imports WHERE external_id = 'T-11'), 0, 'and no form');
SELECT is((SELECT r -> 'results' -> 2 -> 'problems' -> -1 ->> 'code' FROM batch_report),
  'E_DUPLICATE_EXTERNAL_ID', 'the repeated record id is rejected');
SELECT is((SELECT count(DISTINCT f.patient_id)::int FROM app.form_imports i JOIN app.forms f ON f.id = i.form_id
            WHERE i.external_id IN ('T-10', 'T-12')), 1, 'one person in two forms is one patient');
SELECT is((SELECT array_agg(DISTINCT f.entry_channel) FROM app.form_imports i JOIN app.forms f ON f.id = i.form_id
            WHERE i.external_id IN ('T-10', 'T-12') AND NOT EXISTS (
              SELECT FROM app.form_imports j WHERE j.form_id = f.id AND coalesce(j.scan, '') <> '')),
  ARRAY['xml'], 'a hospital system''s forms came by XML (the statistics'' entry channel; paper: a record naming its scan)');
SELECT is((SELECT string_agg(h.part || ' ' || (h.actor_account_id = pg_temp.account('doctor_a'))::text, ', ' ORDER BY h.part)
             FROM app.form_imports i JOIN app.form_history h ON h.form_id = i.form_id WHERE i.external_id = 'T-12'),
  'clinical true, personal true', 'each stored form has its history, by the uploader');
SELECT is((SELECT count(*)::int FROM app.audit_log a JOIN app.form_imports i ON a.target_id = i.form_id::text
            WHERE a.action = 'form.import' AND i.external_id IN ('T-10', 'T-11', 'T-12')), 2,
  'and its audit entry');

SELECT is((SELECT detail ->> 'stored_form_by_form' FROM app.audit_log WHERE action = 'bulk.import' ORDER BY id DESC LIMIT 1),
  'true', 'the upload''s audit entry says it was stored form by form');

-- a reading the form version takes but the patient register does not
-- (ヷ is katakana, outside ァ〜ヶ) is refused by the patient rules, with its
-- code, already by the extension's checks (as the offline check tool does)
CREATE TEMP TABLE kana_report AS
SELECT pg_temp.run_as('doctor_a', format($$SELECT api.import_forms_xml(%L)::text$$,
  replace(replace((SELECT head FROM good), 'T-1', 'T-30'), 'カンジャ オツ', 'ヷ') || '</nanbyo-forms>'))::jsonb AS r;
SELECT is((SELECT r -> 'results' -> 0 ->> 'result' || ' ' || (r -> 'results' -> 0 -> 'problems' -> -1 ->> 'code')
                   || ' ' || (r -> 'results' -> 0 -> 'problems' -> -1 ->> 'item') FROM kana_report),
  'rejected E_PATIENT_KANA patient_name_kana', 'patient data the register refuses rejects the form with the register''s code');
SELECT is((SELECT detail ->> 'stored_form_by_form' FROM app.audit_log WHERE action = 'bulk.import' ORDER BY id DESC LIMIT 1),
  'false', 'decided before storing (no second pass)');

-- a batch that stores whole, then the same file again
CREATE TEMP TABLE whole_file AS
SELECT replace((SELECT head FROM good), 'T-1', 'T-20')
  || replace(substr((SELECT head FROM good), strpos((SELECT head FROM good), '<form ')), 'T-1', 'T-21')
  || '</nanbyo-forms>' AS body;
CREATE TEMP TABLE whole_batch AS
SELECT n, pg_temp.run_as('doctor_a', format($$SELECT api.import_forms_xml(%L)::text$$, (SELECT body FROM whole_file)))::jsonb AS r
  FROM generate_series(1, 2) n;
SELECT is((SELECT string_agg(x ->> 'result', ', ' ORDER BY n, (x ->> 'index')::int)
             FROM whole_batch, jsonb_array_elements(r -> 'results') x),
  'accepted, accepted, duplicate, duplicate', 'sent twice, a file''s forms are stored once');
SELECT is((SELECT array_agg(x ->> 'form_id' ORDER BY (x ->> 'index')::int) FROM whole_batch, jsonb_array_elements(r -> 'results') x WHERE n = 2),
          (SELECT array_agg(x ->> 'form_id' ORDER BY (x ->> 'index')::int) FROM whole_batch, jsonb_array_elements(r -> 'results') x WHERE n = 1),
  'and the second answer names the stored forms');
SELECT is((SELECT count(DISTINCT f.patient_id)::int FROM app.form_imports i JOIN app.forms f ON f.id = i.form_id
            WHERE i.external_id IN ('T-10', 'T-20', 'T-21')), 1, 'and the patient of an earlier upload is found again');

CREATE OR REPLACE FUNCTION app.bulk_max_bytes() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 100::bigint $$;
SELECT is(pg_temp.run_as('doctor_a', $$SELECT api.import_forms_xml((SELECT head FROM good) || '</nanbyo-forms>')$$),
  'ERROR 54000 E_FILE_TOO_LARGE', 'a body over the limit is refused before it is read');

SELECT * FROM finish();
ROLLBACK;
