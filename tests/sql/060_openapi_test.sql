-- The OpenAPI 3.1 contract (#17 item 7, sql/foundation/openapi.sql): made
-- from the catalog, it lists every api function and view; every one is
-- documented in Japanese (COMMENT) and English (app.api_docs); GET only
-- where the call is read-only and takes no secret; every $ref resolves;
-- anyone may read it. (Its validity as OpenAPI 3.1 and the real answers
-- against its schemas: tests/http/test_openapi.py.)
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(13);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE doc AS SELECT api.openapi()::jsonb AS d;
CREATE TEMP TABLE api_functions AS
  SELECT p.oid, p.proname, p.provolatile FROM pg_proc p
   WHERE p.pronamespace = 'api'::regnamespace AND p.prokind = 'f';
CREATE TEMP TABLE api_views AS
  SELECT c.oid, c.relname FROM pg_class c
   WHERE c.relnamespace = 'api'::regnamespace AND c.relkind IN ('v', 'r', 'm');

SELECT is((SELECT d ->> 'openapi' FROM doc), '3.1.0', 'the document is OpenAPI 3.1');

SELECT set_eq(
  $$SELECT jsonb_object_keys(d -> 'paths') FROM doc$$,
  $$SELECT '/rpc/' || proname FROM api_functions UNION SELECT '/' || relname FROM api_views$$,
  'the paths are exactly the api functions (POST /rpc/<name>) and views (/<view>)');
SELECT is((SELECT array_agg(proname ORDER BY proname) FROM api_functions f, doc
            WHERE NOT d -> 'paths' -> ('/rpc/' || proname) ? 'post'), NULL, 'every function is a POST');

SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY oid::regprocedure::text) FROM api_functions
            WHERE coalesce(btrim(obj_description(oid, 'pg_proc')), '') = ''),
  NULL, 'every api function has a Japanese description (COMMENT ON FUNCTION)');
SELECT is((SELECT array_agg(relname ORDER BY relname) FROM api_views
            WHERE coalesce(btrim(obj_description(oid, 'pg_class')), '') = ''),
  NULL, 'every api view has a Japanese description (COMMENT ON VIEW)');
SELECT set_eq(
  $$SELECT name FROM app.api_docs$$,
  $$SELECT proname FROM api_functions UNION SELECT relname FROM api_views$$,
  'every api function and view has its English description in app.api_docs, and no row is left over');

SELECT is((SELECT array_agg(DISTINCT proname ORDER BY proname) FROM api_functions f, doc
            WHERE d -> 'paths' -> ('/rpc/' || proname) ? 'get' AND provolatile = 'v'),
  NULL, 'GET is offered only for STABLE or IMMUTABLE functions (PostgREST runs GET read-only)');
SELECT ok((SELECT NOT (d -> 'paths' -> '/rpc/login' ? 'get') AND NOT (d -> 'paths' -> '/rpc/change_password' ? 'get')
             FROM doc), 'never GET for a call that takes a secret');

SELECT is((SELECT array_agg(DISTINCT f.proname ORDER BY f.proname) FROM api_functions f
             JOIN pg_proc p ON p.oid = f.oid LEFT JOIN app.api_docs d ON d.name = f.proname
            WHERE p.prorettype IN ('json'::regtype, 'jsonb'::regtype)
              AND (d.response_schema IS NULL OR d.response_schema IN ('{}', '{"type": "object"}'))),
  NULL, 'every json/jsonb answer has a JSON Schema (not NULL, {} or a bare object): these have none');
SELECT is((SELECT array_agg(DISTINCT f.proname || '(' || a.name || ')' ORDER BY f.proname || '(' || a.name || ')')
             FROM api_functions f JOIN pg_proc p ON p.oid = f.oid
             CROSS JOIN LATERAL unnest(p.proargnames) a(name)
             LEFT JOIN app.api_docs d ON d.name = f.proname
            WHERE a.name <> '' AND NOT coalesce(d.parameters ? a.name, false)),
  NULL, 'every parameter of every api function has a description in app.api_docs: these have none');

SELECT is((SELECT array_agg(DISTINCT r ORDER BY r) FROM doc,
                  jsonb_path_query(d, 'strict $.**."$ref"') ref, LATERAL (SELECT ref #>> '{}' AS r) x
            WHERE NOT (r LIKE '#/components/schemas/%' AND d -> 'components' -> 'schemas' ? substr(r, 22))
              AND NOT (r LIKE '#/components/responses/%' AND d -> 'components' -> 'responses' ? substr(r, 24))),
  NULL, 'every $ref names a component of the document');

SELECT is((SELECT d #> '{components,schemas,FormStatus,enum}' FROM doc),
  (SELECT jsonb_agg(code ORDER BY code) FROM app.form_statuses), 'codes are enums of their vocabulary');

GRANT SELECT ON doc TO web_anon;
SET LOCAL ROLE web_anon;
SELECT ok((SELECT api.openapi()::jsonb = d FROM doc), 'a request without a JWT gets the same document');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
