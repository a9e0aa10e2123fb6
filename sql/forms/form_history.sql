-- Every change of a form is kept (B1, C2): the history triggers, and the
-- touch of updated_at.

-- History, whoever changes a form: one statement-level trigger per table
-- and event, writing the history of all the rows a statement touched in one
-- insert (a bulk import of thousands of forms pays one insert, not one per
-- form). Transition tables allow one event per trigger, hence four.
CREATE OR REPLACE FUNCTION app.forms_record_history()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  actor bigint := app.current_account_id();
  request text := app.current_request_id();
BEGIN
  IF TG_TABLE_NAME = 'forms' AND TG_OP = 'INSERT' THEN
    INSERT INTO app.form_history (form_id, fiscal_year, actor_account_id, request_id, part, status, data)
    SELECT n.id, n.fiscal_year, actor, request, 'clinical', n.status, n.data FROM new_rows n ORDER BY n.id;
  ELSIF TG_TABLE_NAME = 'forms' THEN
    INSERT INTO app.form_history (form_id, fiscal_year, actor_account_id, request_id, part, status, data)
    SELECT n.id, n.fiscal_year, actor, request, 'clinical', n.status, n.data
      FROM new_rows n JOIN old_rows o USING (id)
     WHERE n.data IS DISTINCT FROM o.data OR n.status IS DISTINCT FROM o.status
        OR n.review_result IS DISTINCT FROM o.review_result
     ORDER BY n.id;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO app.form_history (form_id, fiscal_year, actor_account_id, request_id, part, status, data)
    SELECT n.form_id, n.fiscal_year, actor, request, 'personal', NULL, n.data FROM new_rows n ORDER BY n.form_id;
  ELSE
    INSERT INTO app.form_history (form_id, fiscal_year, actor_account_id, request_id, part, status, data)
    SELECT n.form_id, n.fiscal_year, actor, request, 'personal', NULL, n.data
      FROM new_rows n JOIN old_rows o USING (form_id)
     WHERE n.data IS DISTINCT FROM o.data
     ORDER BY n.form_id;
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS forms_record_history_insert ON app.forms;
CREATE TRIGGER forms_record_history_insert AFTER INSERT ON app.forms
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();
DROP TRIGGER IF EXISTS forms_record_history_update ON app.forms;
CREATE TRIGGER forms_record_history_update AFTER UPDATE ON app.forms
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();
DROP TRIGGER IF EXISTS form_personal_record_history_insert ON app.form_personal;
CREATE TRIGGER form_personal_record_history_insert AFTER INSERT ON app.form_personal
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();
DROP TRIGGER IF EXISTS form_personal_record_history_update ON app.form_personal;
CREATE TRIGGER form_personal_record_history_update AFTER UPDATE ON app.form_personal
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.forms_record_history();

DROP TRIGGER IF EXISTS forms_touch ON app.forms;
CREATE TRIGGER forms_touch BEFORE UPDATE ON app.forms FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
DROP TRIGGER IF EXISTS form_personal_touch ON app.form_personal;
CREATE TRIGGER form_personal_touch BEFORE UPDATE ON app.form_personal FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

CREATE OR REPLACE FUNCTION app.form_history_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.raise('42501', 'E_HISTORY_APPEND_ONLY', '票の変更履歴は変更・削除できません。');
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS form_history_append_only ON app.form_history;
CREATE TRIGGER form_history_append_only BEFORE UPDATE OR DELETE ON app.form_history
  FOR EACH ROW EXECUTE FUNCTION app.form_history_append_only();
