-- Research extraction (D3, sql/research/): the operator (staff and admin)
-- submits and lists requests and downloads the outputs, the admin decides
-- (the role checks are in the functions: app.research_operator). The
-- tables are written and read only by the definer functions; the
-- pseudonym keys (app.research_keys) are read by no role at all.
ALTER TABLE app.research_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.research_keys ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.research_requests, app.research_keys FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
  api.submit_research_request(text, text, text, text, text[], integer[], text[], bigint, boolean),
  api.approve_research_request(bigint, boolean, boolean, text),
  api.reject_research_request(bigint, text),
  api.research_requests(text),
  api.research_items(text, text[]),
  api.research_extraction_csv(bigint),
  api.research_dictionary(bigint),
  api.research_summary(bigint)
  TO operator_users;
GRANT USAGE ON TYPE api.research_dictionary_row, api.research_summary_row TO operator_users;

-- The outputs' schema: nobody but its owner and the analysts (below).
REVOKE ALL ON SCHEMA research FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA research FROM PUBLIC;

-- The nightly job's procedure is pg_cron's (its owner's) alone.
REVOKE EXECUTE ON PROCEDURE app.research_extraction_job() FROM PUBLIC;
