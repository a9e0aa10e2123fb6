-- Least privilege: nothing is reachable unless a later file grants it.
-- Functions are executable by PUBLIC by default in PostgreSQL; take that away
-- in `api` (present and future functions) and in the private schemas.
REVOKE ALL ON SCHEMA app FROM PUBLIC;
REVOKE ALL ON SCHEMA api FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA api REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- The extension's functions are pure (no table access): API roles may call
-- them, so that api functions running as the caller can use them.
REVOKE ALL ON SCHEMA nanbyo FROM PUBLIC;
GRANT USAGE ON SCHEMA nanbyo TO web_anon;
