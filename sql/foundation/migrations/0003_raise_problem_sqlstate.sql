-- 0.2.0, foundation: app.raise_problem takes the SQLSTATE from its caller
-- (sql/foundation/errors.sql); the one-argument version of 0.1.0 goes, so
-- that no caller can reach the old table of codes.
DROP FUNCTION IF EXISTS app.raise_problem(text);
