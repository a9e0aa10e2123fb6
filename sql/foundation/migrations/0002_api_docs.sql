-- The API's documentation that the catalog cannot hold (#17 item 7): the
-- OpenAPI 3.1 document (api.openapi, sql/foundation/openapi.sql) is made
-- from the catalog (functions, arguments, defaults, types, views, grants),
-- the Japanese COMMENT of each function and view, and these two tables.
-- Their rows are code: sql/foundation/api_docs.sql reloads them on every
-- deploy, beside the functions they describe.

-- One row per api function name (overloads share it) or view.
CREATE TABLE app.api_docs (
  name text PRIMARY KEY,
  -- the English description (the Japanese one is the COMMENT ON FUNCTION/VIEW)
  description_en text NOT NULL CHECK (btrim(description_en) <> ''),
  -- parameter name -> description, Japanese / English
  parameters jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
  -- JSON Schema of a json/jsonb answer (often a $ref to app.api_doc_schemas);
  -- NULL: not described yet (the document says {} with a note)
  response_schema jsonb CHECK (response_schema IS NULL OR jsonb_typeof(response_schema) = 'object'),
  -- media types of a successful answer when not application/json alone
  -- (e.g. {application/json,text/csv}); NULL: derived from the return type
  response_media text[]
);
COMMENT ON TABLE app.api_docs IS
  'API の説明（英語）・引数の説明・JSON 応答のスキーマ: OpenAPI 文書の材料 (English descriptions, parameter docs, JSON Schemas of answers)';

-- Shared JSON Schemas, published as components/schemas/<name>.
CREATE TABLE app.api_doc_schemas (
  name text PRIMARY KEY CHECK (name ~ '^[A-Z][A-Za-z0-9]*$'),
  schema jsonb NOT NULL CHECK (jsonb_typeof(schema) = 'object')
);
COMMENT ON TABLE app.api_doc_schemas IS
  'OpenAPI 文書の共有スキーマ (JSON Schema components of the OpenAPI document)';
