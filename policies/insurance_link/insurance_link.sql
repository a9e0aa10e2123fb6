-- D5: the insurance-history link (sql/insurance_link/). No API role reads or
-- writes its tables: the identifiers the municipality recorded, the batches
-- and their lines, the answers and above all the linkage ids are reached
-- only through definer functions. Hospitals, municipalities and the
-- Ministry never see a linkage id; the operator admin runs the batches
-- (counts and the request file, never a linkage id on screen), and the
-- research extraction (a linked, approved extraction: wt/research) reads
-- app.insurance_linkages in its own definer functions.
ALTER TABLE app.insurance_identifiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.insurance_inquiry_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.insurance_inquiry_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.insurance_inquiry_answer_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.insurance_inquiry_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.insurance_linkages ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.insurance_identifiers, app.insurance_inquiry_batches, app.insurance_inquiry_requests,
  app.insurance_inquiry_answer_files, app.insurance_inquiry_answers, app.insurance_linkages,
  app.current_insurance_identifiers, app.insurance_inquiry_due, app.current_insurance_linkages FROM PUBLIC;

-- the municipality: the identifiers of the patients of the forms it took over
GRANT EXECUTE ON FUNCTION api.record_insurance_identifiers(bigint, text, text, text, text),
  api.get_insurance_identifiers(bigint)
  TO municipality_users;

-- the operator admin: the batches (the functions check the role again)
GRANT USAGE ON TYPE api.insurance_inquiry_batch_row TO operator_admin;
GRANT EXECUTE ON FUNCTION api.create_insurance_inquiry_batch(), api.insurance_inquiry_batches(),
  api.insurance_inquiry_request_file(bigint),
  api.import_insurance_inquiry_answers(bytea), api.import_insurance_inquiry_answers(text)
  TO operator_admin;
