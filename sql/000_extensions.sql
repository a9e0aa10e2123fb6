-- Extensions the application is built on.
-- pg_cron can only be created in the database named by cron.database_name.
CREATE EXTENSION IF NOT EXISTS pg_cron;
-- nanbyo installs its functions into the schema `nanbyo` (nanbyo.control).
CREATE EXTENSION IF NOT EXISTS nanbyo;
-- dblink: refusals are written to the audit log on a connection of their
-- own, so they stay although the refused request rolls back
-- (app.record_refusal in sql/046).
-- In a schema of its own that no API role may use.
CREATE SCHEMA IF NOT EXISTS dblink;
REVOKE ALL ON SCHEMA dblink FROM PUBLIC;
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA dblink;
