-- The last code file of every deploy: the OpenAPI document built once,
-- after every function, view, grant and policy is in place, and served by
-- api.openapi() (sql/foundation/openapi.sql). Made anew by each deploy, so
-- it always describes the API as deployed.
DROP MATERIALIZED VIEW IF EXISTS app.openapi_document;
CREATE MATERIALIZED VIEW app.openapi_document AS SELECT app.openapi_build() AS document;
COMMENT ON MATERIALIZED VIEW app.openapi_document IS 'The OpenAPI 3.1 document of this deploy (GET /rpc/openapi)';
