-- Schemas. Tables live in private schemas; PostgREST exposes only `api`,
-- which holds views and functions, so changing a table never silently
-- changes the HTTP API.
CREATE SCHEMA IF NOT EXISTS app;
COMMENT ON SCHEMA app IS 'Private: the application''s tables. Never exposed over HTTP.';

CREATE SCHEMA IF NOT EXISTS api;
COMMENT ON SCHEMA api IS 'nanbyo-db HTTP API (難病・小慢DB オンライン登録システム API)';
