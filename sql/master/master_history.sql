-- The history of master data (D4, E3): a row of app.master_history for
-- every insert and change of an organisation (implementing bodies,
-- hospitals), a public payer number or a form version, with the row before
-- and after, who and when; GET /master_history for the operator. The audit
-- log says the same action happened (app.audit in the api functions and
-- the organisations' own audit trigger).

CREATE OR REPLACE FUNCTION app.master_history_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = 'マスタの変更履歴は変更・削除できません。',
    DETAIL  = 'E_MASTER_HISTORY_APPEND_ONLY';
END
$$;
DROP TRIGGER IF EXISTS master_history_append_only ON app.master_history;
CREATE TRIGGER master_history_append_only BEFORE UPDATE OR DELETE ON app.master_history
  FOR EACH ROW EXECUTE FUNCTION app.master_history_append_only();
DROP TRIGGER IF EXISTS master_history_no_truncate ON app.master_history;
CREATE TRIGGER master_history_no_truncate BEFORE TRUNCATE ON app.master_history
  FOR EACH STATEMENT EXECUTE FUNCTION app.master_history_append_only();

-- Records one change. The bookkeeping columns (updated_at, the account
-- sequence, a form version's whole definition) are left out of before and
-- after; a change of nothing else is not a change.
CREATE OR REPLACE FUNCTION app.master_history_record()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  skip text[] := ARRAY['updated_at', 'next_account_seq', 'definition', 'created_at'];
  old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) - skip END;
  new_row jsonb := to_jsonb(NEW) - skip;
BEGIN
  IF TG_OP = 'UPDATE' AND old_row = new_row THEN
    RETURN NULL;
  END IF;
  INSERT INTO app.master_history (table_name, record_id, action, before, after, account_id, login_id, request_id)
  SELECT TG_TABLE_NAME, NEW.id, lower(TG_OP), old_row, new_row, a.id, a.login_id, app.current_request_id()
    FROM (SELECT app.current_account_id() AS id) who LEFT JOIN app.accounts a USING (id);
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS organisations_master_history ON app.organisations;
CREATE TRIGGER organisations_master_history AFTER INSERT OR UPDATE ON app.organisations
  FOR EACH ROW EXECUTE FUNCTION app.master_history_record();
DROP TRIGGER IF EXISTS public_payer_numbers_master_history ON app.public_payer_numbers;
CREATE TRIGGER public_payer_numbers_master_history AFTER INSERT OR UPDATE ON app.public_payer_numbers
  FOR EACH ROW EXECUTE FUNCTION app.master_history_record();
DROP TRIGGER IF EXISTS form_versions_master_history ON app.form_versions;
CREATE TRIGGER form_versions_master_history AFTER INSERT OR UPDATE ON app.form_versions
  FOR EACH ROW EXECUTE FUNCTION app.master_history_record();

-- GET /master_history: the history (operator; no personal data in it).
CREATE OR REPLACE VIEW api.master_history
WITH (security_invoker = true) AS
SELECT id, at, table_name, record_id, action, before, after, login_id, request_id
  FROM app.master_history;
COMMENT ON VIEW api.master_history IS 'マスタの変更履歴（実施主体・医療機関・公費負担者番号・様式）: 誰が・いつ・変更前・変更後';

-- The operator admin, or a refusal: only the operator admin changes master
-- data (diseases, bodies, payer numbers, hospitals, form versions; the
-- grants already keep other roles out over HTTP, this says so to a direct
-- caller too).
CREATE OR REPLACE FUNCTION app.master_admin()
RETURNS app.accounts
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
BEGIN
  IF me.role IS DISTINCT FROM 'operator_admin' THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', 'マスタを変更できるのは運営主体の管理者です。');
  END IF;
  RETURN me;
END
$$;
