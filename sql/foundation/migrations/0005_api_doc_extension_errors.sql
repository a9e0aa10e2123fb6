-- 0.2.0, foundation: the stable codes the extension raises, by the API call
-- that can answer them, for the OpenAPI document (sql/foundation/openapi.sql
-- finds the codes app.raise raises in the SQL itself; the extension's are
-- in Rust). Rows are code: sql/foundation/api_docs.sql reloads them on every
-- deploy, and tests/http/test_openapi.py checks each source file's codes
-- against the Rust source.
CREATE TABLE app.api_doc_extension_errors (
  name      text NOT NULL,     -- the api function
  source    text NOT NULL,     -- the Rust file that raises the codes
  status    integer NOT NULL,  -- the HTTP status they answer with
  sqlstate  text NOT NULL,
  code      text NOT NULL,
  PRIMARY KEY (name, source, code)
);
COMMENT ON TABLE app.api_doc_extension_errors IS
  'OpenAPI 文書: 拡張機能（Rust）が返すエラーコードと、それを返しうる API';
