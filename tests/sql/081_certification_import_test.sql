-- The certification results import's building blocks (C3,
-- sql/foundation/csv_upload.sql and sql/municipality/certification_import.sql):
-- the uploaded bytes decoded (declared charset, BOM, UTF-8 or CP932, neither),
-- the header's names, the dates and code labels a certification system
-- writes, and an unchanged certification recognised. The import itself over
-- HTTP: tests/http/test_certification_import.py; who may call it:
-- 020_access_matrix_test.sql.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(20);

SELECT is(app.declared_charset(t), c, format('charset of %s', t))
  FROM (VALUES ('application/octet-stream', ''), ('application/octet-stream; charset=UTF-8', 'UTF8'),
               ('text/csv; charset="Shift_JIS"', 'SJIS'), ('application/octet-stream;charset=windows-31j', 'SJIS'),
               ('text/csv; charset=latin1', NULL)) v(t, c);
SELECT is((SELECT row(content, encoding)::text FROM app.decode_csv_upload(convert_to('受給者,①㈱髙﨑', 'UTF8'), '')),
          row('受給者,①㈱髙﨑', 'UTF8')::text, 'valid UTF-8 is UTF-8');
SELECT is((SELECT row(content, encoding)::text FROM app.decode_csv_upload('\xefbbbf'::bytea || convert_to('認定', 'UTF8'), '')),
          row('認定', 'UTF8_BOM')::text, 'a byte-order mark is dropped');
SELECT is((SELECT row(content, encoding)::text FROM app.decode_csv_upload(convert_to('受給者,①㈱髙﨑', 'SJIS'), '')),
          row('受給者,①㈱髙﨑', 'SJIS')::text, 'bytes that are not UTF-8 are read as CP932, NEC and IBM extensions included');
SELECT is((SELECT encoding FROM app.decode_csv_upload(convert_to('abc', 'UTF8'), 'text/csv; charset=Shift_JIS')),
          'SJIS', 'a declared charset wins');
SELECT throws_like($$SELECT * FROM app.decode_csv_upload('\xfffe80'::bytea, '')$$, '%UTF-8 でも Shift_JIS%',
                   'bytes in neither encoding are refused (E_CSV_ENCODING)');
SELECT throws_like($$SELECT * FROM app.decode_csv_upload(convert_to('認定', 'UTF8'), 'text/csv; charset=Shift_JIS')$$,
                   '%Shift_JIS（CP932）として読めません%', 'UTF-8 declared as Shift_JIS is refused');

SELECT is(app.certification_import_column_of(h), c, format('header %s', h))
  FROM (VALUES ('access_key', 'access_key'), (' Outcome ', 'outcome'), ('受給者番号', 'recipient_number'),
               (E'\ufeffform_id', 'form_id'), ('colour', 'colour')) v(h, c);
SELECT is(app.csv_iso_date(d), '2026-04-01', format('date %s', d))
  FROM unnest(ARRAY['2026/4/1', '２０２６－０４－０１', '20260401']) d;
SELECT is(app.certification_import_codes() -> 'income_tier' ->> normalize('低所得Ⅰ', NFKC), 'low1',
          'a tier''s Japanese label is its code');

SELECT * FROM finish();
ROLLBACK;
