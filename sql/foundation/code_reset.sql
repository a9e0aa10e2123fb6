-- The first code file of every deploy (sql/deploy.sh): clears what the code
-- files make, so that after the deploy the database holds exactly what
-- they say, and nothing a removed line once made. All in the deploy's one
-- transaction: no request ever sees the API half loaded.
--   - the `api` schema holds only code (functions, views, types): dropped
--     and made anew;
--   - every row-level-security policy on the application's tables;
--   - every grant of the application's roles on `app` (policies/ grants
--     again what each role may do).
-- Functions in `app` are replaced in place (CREATE OR REPLACE), since
-- tables' triggers and checks refer to some of them.

-- The extension's SQL follows the installed build.
ALTER EXTENSION nanbyo UPDATE;

DROP SCHEMA IF EXISTS api CASCADE;
CREATE SCHEMA api;
COMMENT ON SCHEMA api IS 'nanbyo-db HTTP API (難病・小慢DB オンライン登録システム API)';

DO $$
DECLARE
  p record;
  r text;
BEGIN
  FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'app' LOOP
    EXECUTE format('DROP POLICY %I ON app.%I', p.policyname, p.tablename);
  END LOOP;
  -- every role holding a grant on a table, column, sequence or function of `app`
  -- (read from the grants themselves, so no list of roles to keep in step)
  FOR r IN
    SELECT DISTINCT pg_get_userbyid(g.grantee)
      FROM (SELECT c.relacl AS acl, c.relowner AS owner FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace
            UNION ALL
            SELECT a.attacl, c.relowner FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = 'app'::regnamespace AND a.attacl IS NOT NULL
            UNION ALL
            SELECT f.proacl, f.proowner FROM pg_proc f WHERE f.pronamespace = 'app'::regnamespace) o,
           aclexplode(o.acl) g
     WHERE g.grantee <> 0 AND g.grantee <> o.owner
  LOOP
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA app FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA app FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app FROM %I', r);
  END LOOP;
END
$$;
