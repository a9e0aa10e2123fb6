-- The municipality's work on a form it takes over by access key (C1, C2):
-- take over, correct, review, register (sql/municipality/operations.sql).
-- Which form each may touch is decided inside (app.municipality_form_for_update).
GRANT EXECUTE ON FUNCTION
  api.take_over_form(text), api.correct_form(bigint, jsonb), api.review_form(bigint, text),
  api.register_form(bigint)
  TO municipality_users;
