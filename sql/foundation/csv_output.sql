-- CSV output (Accept: text/csv) of every view and table-valued function of
-- the API, replacing PostgREST's built-in CSV: a cell a spreadsheet would
-- take for a formula (text starting with =, +, -, @, a tab or a carriage
-- return) is prefixed with an apostrophe, so that a name, an external id or
-- a login id planted as `=HYPERLINK(...)` opens as text. Numbers are written
-- as they are. Every CSV this project writes goes through app.csv_cell.
-- Served by PostgREST through the "text/csv" media type handler: an
-- aggregate whose state is the domain named after the media type.
CREATE DOMAIN api."text/csv" AS text;

-- One CSV cell (RFC 4180 quoting) of a JSON value.
CREATE OR REPLACE FUNCTION app.csv_cell(value json)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN value IS NULL OR json_typeof(value) = 'null' THEN ''
    WHEN json_typeof(value) IN ('number', 'boolean') THEN value::text
    ELSE '"' || replace(CASE WHEN t ~ '^[=+@\t\r-]' THEN '''' || t ELSE t END, '"', '""') || '"'
  END
  FROM (SELECT CASE WHEN json_typeof(value) = 'string' THEN value #>> '{}' ELSE value::text END AS t) x
$$;

-- One CSV line of a row (its columns in order), or of its column names.
CREATE OR REPLACE FUNCTION app.csv_line(row_value json, header boolean)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN json_typeof(row_value) = 'object'
    THEN (SELECT string_agg(app.csv_cell(CASE WHEN header THEN to_json(e.key) ELSE e.value END), ',' ORDER BY n)
            FROM json_each(row_value) WITH ORDINALITY AS e(key, value, n))
    ELSE CASE WHEN header THEN '"value"' ELSE app.csv_cell(row_value) END END || E'\r\n'
$$;

CREATE OR REPLACE FUNCTION app.csv_add_row(state api."text/csv", next anyelement)
RETURNS api."text/csv"
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT (CASE WHEN state IS NULL THEN app.csv_line(to_json(next), true) ELSE state END
          || app.csv_line(to_json(next), false))::api."text/csv"
$$;

CREATE OR REPLACE FUNCTION app.csv_finish(state api."text/csv")
RETURNS api."text/csv"
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(state, '')::api."text/csv"
    FROM (SELECT app.add_response_header('Content-Type', 'text/csv; charset=utf-8')) h
$$;

DROP AGGREGATE IF EXISTS api.csv_agg(anyelement);
CREATE AGGREGATE api.csv_agg(anyelement) (
  stype = api."text/csv",
  sfunc = app.csv_add_row,
  finalfunc = app.csv_finish
);
