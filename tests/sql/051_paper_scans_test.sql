-- The paper path (C4, issue #19 item 3) inside the database: who reads
-- which scan (the row policies and the API agree), each step by its role
-- and in order, the paper period of a form version (B1), and nothing
-- half-written on a refusal.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(25);
\ir fixtures/accounts.sql

-- a minimal PDF, and one scan of each municipality
CREATE TEMP TABLE pdf AS SELECT encode(convert_to(
  E'%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n'
  || E'trailer\n<< /Root 1 0 R >>\n%%EOF\n', 'UTF8'), 'base64') AS b64;
GRANT SELECT ON pdf TO PUBLIC;

SELECT is(pg_temp.run_as('municipality_staff_a', $$SELECT api.upload_paper_scan(
    jsonb_build_object('name', 'a.pdf', 'content_base64', (SELECT b64 FROM pdf)), 'nanbyo', 2026, 'N006') ->> 'status'$$),
  'uploaded', 'municipality A uploads a scan');
SELECT is(pg_temp.run_as('municipality_admin_b', $$SELECT api.upload_paper_scan(
    jsonb_build_object('name', 'b.pdf', 'content_base64', (SELECT b64 FROM pdf)), 'shoman', 2026) ->> 'status'$$),
  'uploaded', 'municipality B uploads the same bytes: its own scan');
CREATE TEMP TABLE s AS
  SELECT (SELECT id FROM app.paper_scans WHERE file_name = 'a.pdf') AS a,
         (SELECT id FROM app.paper_scans WHERE file_name = 'b.pdf') AS b;
GRANT SELECT ON s TO PUBLIC;

SELECT is(pg_temp.run_as('municipality_staff_a', $$SELECT api.upload_paper_scan(
    jsonb_build_object('name', 'again.pdf', 'content_base64', (SELECT b64 FROM pdf)), 'nanbyo', 2026)$$),
  'ERROR 23505 E_PAPER_SCAN_DUPLICATE', 'the same file twice from one municipality is refused');
SELECT is(pg_temp.run_as('municipality_staff_a', $$SELECT api.upload_paper_scan(
    jsonb_build_object('name', 'x.pdf', 'content_base64', encode('not a pdf %%EOF', 'base64')), 'nanbyo', 2026)$$),
  'ERROR 22023 E_NOT_PDF', 'a file without the PDF header is refused');
SELECT is((SELECT count(*)::int FROM app.paper_scans), 2, 'and nothing of the refusals was written');
SELECT is((SELECT count(*)::int FROM app.paper_scan_files), 2, 'one stored PDF per scan');

-- who reads which scan: the row policies
SELECT is(pg_temp.run_as(v.login, $$SELECT coalesce(string_agg(file_name, ',' ORDER BY file_name), '') FROM app.paper_scans$$),
          v.sees, v.login || ' reads ' || coalesce(nullif(v.sees, ''), 'no') || ' scans in app.paper_scans')
  FROM (VALUES ('municipality_staff_a', 'a.pdf'), ('municipality_admin_b', 'b.pdf'), ('operator_staff_a', 'a.pdf,b.pdf'),
               ('contractor_a', '')) v(login, sees);
SELECT is(pg_temp.run_as('operator_staff_a', $$SELECT count(*) FROM app.paper_scan_files$$),
  'ERROR 42501', 'nobody reads the PDFs directly (only through the logged download)');
-- ... and the API says the same
SELECT is(pg_temp.run_as('municipality_staff_a', $$SELECT jsonb_agg(x ->> 'file_name') FROM jsonb_array_elements(api.list_paper_scans()) x$$),
  '["a.pdf"]', 'a municipality lists its own scans only');

-- each step by its role, in order
SELECT is(pg_temp.run_as('contractor_a', $$SELECT api.download_paper_scan((SELECT a FROM s))$$),
  'ERROR P0002 E_PAPER_SCAN_NOT_FOUND', 'a contractor cannot download a scan it was not given');
SELECT is(pg_temp.run_as('operator_staff_a', $$SELECT api.assign_scans(pg_temp.org('CTA'), pg_temp.org('1310123455'),
    paper_scan_ids => ARRAY[(SELECT a FROM s)])$$),
  'ERROR 55000 E_PAPER_SCAN_STATUS', 'a scan the operator has not downloaded cannot be assigned');
SELECT is(pg_temp.run_as('operator_staff_a', $$SELECT api.download_paper_scan((SELECT a FROM s)) #>> '{scan,status}'$$),
  'downloaded', 'the operator''s download moves it to downloaded');
SELECT is((SELECT status FROM app.paper_scans WHERE id = (SELECT a FROM s)), 'downloaded', 'and it is stored');
SELECT is(pg_temp.run_as('operator_staff_a', $$SELECT api.assign_scans(pg_temp.org('CTA'), pg_temp.org('1310123455'),
    paper_scan_ids => ARRAY[(SELECT a FROM s)]) ->> 'assigned'$$),
  '1', 'then it is assigned to a contractor');
SELECT is((SELECT scan FROM app.scan_assignments WHERE paper_scan_id = (SELECT a FROM s)),
  'PS-' || (SELECT a FROM s), 'as an assignment named by its reference');
SELECT is(pg_temp.run_as('contractor_a', $$SELECT string_agg(file_name, ',') FROM app.paper_scans$$),
  'a.pdf', 'the contractor now reads that scan, and only that one');
SELECT is(pg_temp.run_as('contractor_b', $$SELECT count(*) FROM app.paper_scans$$), '0', 'another contractor none');
SELECT is(pg_temp.run_as('operator_staff_a', $$SELECT api.complete_paper_scan((SELECT a FROM s))$$),
  'ERROR 55000 E_PAPER_SCAN_STATUS', 'a scan not yet keyed cannot be done');
SELECT throws_ok($$UPDATE app.paper_scans SET status = 'done' WHERE id = (SELECT a FROM s)$$, '23514', NULL,
  'the table itself refuses a status without its steps');

-- B1: the paper period of a version
SELECT is(app.paper_accepted_until('2025-03-31', NULL), '2026-03-31'::date, 'paper: a year after it closed online');
SELECT is(app.paper_accepted_until('2025-03-31', '2025-09-30'), '2025-09-30'::date, 'unless the version sets its own end');
SELECT is(app.paper_accepted_until(NULL, NULL), NULL, 'a version open online has no end');

SELECT * FROM finish();
ROLLBACK;
