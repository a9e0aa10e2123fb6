-- Every SECURITY DEFINER function runs with search_path = pg_catalog,
-- pg_temp: a caller's own objects (pg_temp or any schema the caller may
-- create in) can never stand in for what a definer function calls. Read
-- from the catalog, so a new definer function without it fails here.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(2);
SELECT cmp_ok((SELECT count(*)::int FROM pg_proc p WHERE p.prosecdef
                 AND p.pronamespace IN ('app'::regnamespace, 'api'::regnamespace)), '>', 50,
  'the catalog lists the definer functions of app and api');
SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p
    WHERE p.prosecdef AND p.pronamespace IN ('app'::regnamespace, 'api'::regnamespace)
      AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
  NULL, 'every SECURITY DEFINER function sets search_path = pg_catalog, pg_temp');
SELECT * FROM finish();
ROLLBACK;
