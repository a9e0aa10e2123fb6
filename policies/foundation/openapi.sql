-- The OpenAPI document (GET /rpc/openapi, sql/foundation/openapi.sql): the
-- contract is public, like PostgREST's own document at /. It holds no
-- personal data (the catalog and app.api_docs only) and runs as its owner,
-- so no role needs the documentation tables or the app.openapi_* helpers.
GRANT EXECUTE ON FUNCTION api.openapi() TO web_anon, api_user, enrolling;
-- The vocabulary (sql/foundation/vocabulary.sql): master data, public alike.
GRANT EXECUTE ON FUNCTION api.vocabulary() TO web_anon, api_user, enrolling;
