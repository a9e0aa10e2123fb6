-- CSV output (sql/foundation/csv_output.sql): every API role may receive its reads as CSV.
GRANT USAGE ON TYPE api."text/csv" TO api_user, enrolling, web_anon;
GRANT EXECUTE ON FUNCTION api.csv_agg(anyelement), app.csv_add_row(api."text/csv", anyelement),
  app.csv_finish(api."text/csv"), app.csv_line(json, boolean), app.csv_cell(json)
  TO api_user, enrolling, web_anon;
GRANT USAGE ON TYPE api.account_row, api.form_search_row TO api_user;
