-- 0.2.0, forms: a form's disease may differ from its form version's (a
-- designated disease without a form of its own is written on its program's
-- general form, N000/S0000, issue #19 D4): app.create_draft takes the
-- form's disease code. The old signature goes; sql/forms/drafts.sql makes
-- the new one.
DROP FUNCTION IF EXISTS app.create_draft(app.accounts, app.patients, app.form_versions, text, app.accounts,
                                         boolean, jsonb, bigint);
