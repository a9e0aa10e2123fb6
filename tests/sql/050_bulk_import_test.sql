-- Bulk import limits and refusals inside the database (issue #6): an
-- oversized body is refused before it is parsed; a malformed file leaves
-- nothing written even after good forms were read.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(4);
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

CREATE OR REPLACE FUNCTION app.bulk_max_bytes() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 100::bigint $$;
SELECT is(pg_temp.run_as('doctor_a', $$SELECT api.import_forms_xml((SELECT head FROM good) || '</nanbyo-forms>')$$),
  'ERROR 54000 E_FILE_TOO_LARGE', 'a body over the limit is refused before it is read');

SELECT * FROM finish();
ROLLBACK;
