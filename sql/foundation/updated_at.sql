-- Every table with an updated_at column keeps it by this one trigger
-- function (BEFORE UPDATE … FOR EACH ROW, beside each table's code).
CREATE OR REPLACE FUNCTION app.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
