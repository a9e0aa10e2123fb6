-- Extensions the application is built on.
-- pg_cron can only be created in the database named by cron.database_name.
CREATE EXTENSION IF NOT EXISTS pg_cron;
-- nanbyo installs its functions into the schema `nanbyo` (nanbyo.control).
CREATE EXTENSION IF NOT EXISTS nanbyo;
