-- The schema is loaded as designed: extensions, schemas, the health function,
-- and least privilege for the anonymous role.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(15);

SELECT has_extension('nanbyo', 'the nanbyo extension is installed');
SELECT has_extension('pg_cron', 'pg_cron is installed');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'nanbyo'),
          'nanbyo', 'nanbyo lives in its own schema');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'nanbyo'),
          nanbyo.version(), 'installed extension version matches the loaded library');

SELECT has_schema('api');
SELECT has_schema('app');
SELECT has_function('api', 'health', ARRAY[]::text[]);
SELECT is(api.health() ->> 'status', 'ok', 'health reports ok');
SELECT is(api.health() -> 'nanbyo' ->> 'extension', nanbyo.version(),
          'health reports the extension version through the extension');

-- Privileges, checked for the role PostgREST switches to.
SELECT ok(has_function_privilege('web_anon', 'api.health()', 'EXECUTE'),
          'web_anon may call api.health');
SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
    WHERE p.pronamespace = 'app'::regnamespace AND has_function_privilege('web_anon', p.oid, 'EXECUTE')),
  ARRAY['app.add_response_header(text,text)', 'app.check_request()', 'app.csv_add_row(api."text/csv",anyelement)',
        'app.csv_cell(json)', 'app.csv_finish(api."text/csv")', 'app.csv_line(json,boolean)',
        'app.record_refusal(text,text)'],
  'in the private schema app, web_anon may only run the pre-request check and what its answers use');
SELECT is(
  (SELECT count(*)::int FROM pg_class c
    WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'v', 'S')
      AND (has_table_privilege('web_anon', c.oid, 'SELECT') OR has_table_privilege('web_anon', c.oid, 'INSERT')
           OR has_table_privilege('web_anon', c.oid, 'UPDATE') OR has_table_privilege('web_anon', c.oid, 'DELETE'))),
  0, 'web_anon can read or write no table of app');
SELECT ok(NOT has_schema_privilege('web_anon', 'cron', 'USAGE'),
          'web_anon cannot reach pg_cron''s schema');
SELECT ok(NOT has_schema_privilege('authenticator', 'api', 'CREATE'),
          'authenticator cannot create objects in api');
SELECT is((SELECT rolinherit FROM pg_roles WHERE rolname = 'authenticator'), false,
          'authenticator does not inherit the rights of the roles it switches to');

SELECT * FROM finish();
ROLLBACK;
