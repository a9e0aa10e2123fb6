-- The disease master (D4, issue #19): app.diseases (migration
-- master/0002) read as GET /diseases, kept by the operator admin through
-- POST /rpc/add_disease, /rpc/rename_disease, /rpc/set_disease_effective_until,
-- every change in app.disease_history (GET/POST /rpc/disease_history).
--
-- The published lists (sql/master/data/*.csv) are the baseline, loaded on
-- every deploy by sql/master/diseases_data.sql (generated from the CSV by
-- sql/master/make_diseases_sql.py). A row an operator changed through the
-- API is never overwritten by a later load: the operator's change wins
-- until the operator changes it again (docs/disease-master.md).

-- Every insert and update of a disease goes into its history. The kind of
-- change comes from the function that makes it (nanbyo.disease_change);
-- without one it is the data file's: add or update.
CREATE OR REPLACE FUNCTION app.diseases_history()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind text := nullif(current_setting('nanbyo.disease_change', true), '');
  cols text[] := ARRAY['name', 'notice_number', 'disease_group_code', 'effective_from', 'effective_until', 'source'];
  old_values jsonb;
  new_values jsonb;
BEGIN
  SELECT jsonb_object_agg(k, v) INTO new_values FROM jsonb_each(to_jsonb(NEW)) AS e(k, v) WHERE k = ANY (cols);
  IF TG_OP = 'UPDATE' THEN
    SELECT jsonb_object_agg(k, v) INTO old_values FROM jsonb_each(to_jsonb(OLD)) AS e(k, v) WHERE k = ANY (cols);
    IF old_values = new_values THEN
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO app.disease_history (disease_code, changed_by, change, old_values, new_values)
  VALUES (NEW.disease_code, NEW.updated_by,
          coalesce(kind, CASE TG_OP WHEN 'INSERT' THEN 'add' ELSE 'update' END),
          old_values, new_values);
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION app.diseases_no_delete()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'object_not_in_prerequisite_state',
    MESSAGE = '疾病は削除できません。廃止日（effective_until）を設定してください。',
    DETAIL  = 'E_DISEASE_IMMUTABLE';
END
$$;

CREATE OR REPLACE FUNCTION app.disease_history_append_only()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = '疾病マスタの変更履歴は変更・削除できません。',
    DETAIL  = 'E_DISEASE_HISTORY_APPEND_ONLY';
END
$$;

DROP TRIGGER IF EXISTS diseases_history ON app.diseases;
CREATE TRIGGER diseases_history AFTER INSERT OR UPDATE ON app.diseases
  FOR EACH ROW EXECUTE FUNCTION app.diseases_history();
DROP TRIGGER IF EXISTS diseases_no_delete ON app.diseases;
CREATE TRIGGER diseases_no_delete BEFORE DELETE ON app.diseases
  FOR EACH ROW EXECUTE FUNCTION app.diseases_no_delete();
DROP TRIGGER IF EXISTS disease_history_append_only ON app.disease_history;
CREATE TRIGGER disease_history_append_only BEFORE UPDATE OR DELETE ON app.disease_history
  FOR EACH ROW EXECUTE FUNCTION app.disease_history_append_only();
DROP TRIGGER IF EXISTS disease_history_no_truncate ON app.disease_history;
CREATE TRIGGER disease_history_no_truncate BEFORE TRUNCATE ON app.disease_history
  FOR EACH STATEMENT EXECUTE FUNCTION app.disease_history_append_only();


-- Load the rows of a data file (the generated sql/master/diseases_data.sql
-- calls it on every deploy): adds the diseases not yet there, and brings
-- a row in line with the file where no operator changed it. Answers how
-- many rows it added, updated, and left as an operator changed them.
CREATE OR REPLACE FUNCTION app.load_disease_rows(rows jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  added integer;
  updated integer;
  kept integer;
BEGIN
  PERFORM set_config('nanbyo.disease_change', '', true);
  CREATE TEMP TABLE disease_file ON COMMIT DROP AS
  SELECT r.program, r.disease_code, r.notice_number, r.name, nullif(r.disease_group_code, '') AS disease_group_code,
         nullif(r.effective_from, '')::date AS effective_from, nullif(r.effective_until, '')::date AS effective_until,
         r.source
    FROM jsonb_to_recordset(rows) AS r(program text, disease_code text, notice_number integer, name text,
                                       disease_group_code text, effective_from text, effective_until text, source text);
  SELECT count(*) INTO kept
    FROM disease_file f JOIN app.diseases d USING (disease_code)
   WHERE d.updated_by IS NOT NULL
     AND (d.name, d.effective_from, d.effective_until) IS DISTINCT FROM (f.name, f.effective_from, f.effective_until);
  WITH changed AS (
    UPDATE app.diseases d
       SET name = f.name, notice_number = f.notice_number, disease_group_code = f.disease_group_code,
           effective_from = f.effective_from, effective_until = f.effective_until, source = f.source,
           updated_at = now()
      FROM disease_file f
     WHERE d.disease_code = f.disease_code AND d.program = f.program AND d.updated_by IS NULL
       AND (d.name, d.notice_number, d.disease_group_code, d.effective_from, d.effective_until, d.source)
           IS DISTINCT FROM (f.name, f.notice_number, f.disease_group_code, f.effective_from, f.effective_until, f.source)
    RETURNING 1)
  SELECT count(*) INTO updated FROM changed;
  WITH inserted AS (
    INSERT INTO app.diseases (disease_code, program, notice_number, name, disease_group_code,
                              effective_from, effective_until, source)
    SELECT f.disease_code, f.program, f.notice_number, f.name, f.disease_group_code,
           f.effective_from, f.effective_until, f.source
      FROM disease_file f
     WHERE NOT EXISTS (SELECT FROM app.diseases d WHERE d.disease_code = f.disease_code)
    RETURNING 1)
  SELECT count(*) INTO added FROM inserted;
  DROP TABLE disease_file;
  RETURN jsonb_build_object('added', added, 'updated', updated, 'kept_operator_changes', kept);
END
$$;


-- Does the disease have a form version of its own (machine judgment)?
-- The general form versions (N000, S0000: diseases without a definition of
-- their own) do not count. Definer: the form versions are readable to form
-- users only, the disease list to everyone logged in.
CREATE OR REPLACE FUNCTION app.disease_machine_judged(disease_code text)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT disease_machine_judged.disease_code NOT IN ('N000', 'S0000')
         AND EXISTS (SELECT FROM app.form_versions f WHERE f.disease_code = disease_machine_judged.disease_code)
$$;

-- GET /diseases: the disease master, every logged-in user.
CREATE OR REPLACE VIEW api.diseases
WITH (security_invoker = true) AS
SELECT d.program, d.disease_code, d.notice_number, d.name,
       d.disease_group_code, g.name AS disease_group,
       d.effective_from, d.effective_until,
       (d.effective_from IS NULL OR d.effective_from <= current_date)
         AND (d.effective_until IS NULL OR d.effective_until >= current_date) AS in_force,
       app.disease_machine_judged(d.disease_code) AS machine_judged,
       d.source, d.updated_at, d.updated_by IS NOT NULL AS changed_by_operator
  FROM app.diseases d
  LEFT JOIN app.disease_groups g ON g.code = d.disease_group_code;
COMMENT ON VIEW api.diseases IS
  '疾病マスタ: 指定難病（N＋告示番号3桁）と小児慢性特定疾病（S＋疾患群2桁＋告示番号2桁）、施行日・廃止日、機械判定の有無、出典';


-- The disease as the API answers it.
CREATE OR REPLACE FUNCTION app.disease_json(code text)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
           'program', d.program, 'disease_code', d.disease_code, 'notice_number', d.notice_number,
           'name', d.name, 'disease_group_code', d.disease_group_code, 'disease_group', g.name,
           'effective_from', d.effective_from, 'effective_until', d.effective_until,
           'machine_judged', app.disease_machine_judged(d.disease_code),
           'source', d.source, 'updated_at', d.updated_at)
    FROM app.diseases d LEFT JOIN app.disease_groups g ON g.code = d.disease_group_code
   WHERE d.disease_code = disease_json.code
$$;

-- The disease to change, locked; 404 when there is none.
CREATE OR REPLACE FUNCTION app.disease_for_update(code text)
RETURNS app.diseases
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d app.diseases;
BEGIN
  SELECT * INTO d FROM app.diseases x WHERE x.disease_code = upper(btrim(normalize(coalesce(code, ''), NFKC))) FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_DISEASE_NOT_FOUND', format('疾病コード「%s」の疾病はありません。', code));
  END IF;
  RETURN d;
END
$$;

-- A disease name as typed, trimmed (kept as written: the 告示 writes
-- full-width letters); refused when empty or too long.
CREATE OR REPLACE FUNCTION app.checked_disease_name(name text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF name IS NULL OR btrim(name) = '' THEN
    PERFORM app.raise('22023', 'E_DISEASE_NAME_REQUIRED', '疾病名を入力してください。');
  END IF;
  IF length(btrim(name)) > 300 THEN
    PERFORM app.raise('22023', 'E_DISEASE_NAME_TOO_LONG', '疾病名は300文字以内で入力してください。');
  END IF;
  RETURN btrim(name);
END
$$;

CREATE OR REPLACE FUNCTION app.check_disease_dates(effective_from date, effective_until date)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF effective_until < effective_from THEN
    PERFORM app.raise('22023', 'E_DISEASE_DATES',
      format('廃止日（%s）は施行日（%s）より前にはできません。', effective_until, effective_from));
  END IF;
END
$$;

-- POST /rpc/add_disease: a disease the lists do not have yet (e.g. a new
-- 指定難病 before the data file has it). The code says program, group and
-- number: N + 3 digits, S + group (01–16) + 2 digits.
CREATE OR REPLACE FUNCTION api.add_disease(disease_code text, name text, effective_from date,
                                           source text, effective_until date DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  new_code text := upper(btrim(normalize(coalesce(add_disease.disease_code, ''), NFKC)));
  clean_name text := app.checked_disease_name(add_disease.name);
  program text;
  grp text;
  number integer;
BEGIN
  IF new_code ~ '^N[0-9]{3}$' AND new_code <> 'N000' THEN
    program := 'nanbyo'; number := substr(new_code, 2)::integer;
  -- shōman: the number in 2 digits, or 3 from No.100 (S08100)
  ELSIF (new_code ~ '^S[0-9]{4}$' AND substr(new_code, 4) <> '00' OR new_code ~ '^S[0-9]{2}[1-9][0-9]{2}$')
        AND EXISTS (SELECT FROM app.disease_groups g WHERE g.code = substr(new_code, 2, 2)) THEN
    program := 'shoman'; grp := substr(new_code, 2, 2); number := substr(new_code, 4)::integer;
  ELSE
    PERFORM app.raise('22023', 'E_DISEASE_CODE_FORMAT',
      '疾病コードは、指定難病は N＋告示番号3桁（例: N006）、小児慢性特定疾病は S＋疾患群2桁（01〜16）＋告示番号2桁（100番以降は3桁）（例: S0701、S08100）で入力してください。');
  END IF;
  IF effective_from IS NULL THEN
    PERFORM app.raise('22023', 'E_DISEASE_EFFECTIVE_FROM_REQUIRED', '施行日を入力してください。');
  END IF;
  IF add_disease.source IS NULL OR btrim(add_disease.source) = '' THEN
    PERFORM app.raise('22023', 'E_DISEASE_SOURCE_REQUIRED', '出典（告示・通知など）を入力してください。');
  END IF;
  PERFORM app.check_disease_dates(effective_from, effective_until);
  IF EXISTS (SELECT FROM app.diseases d WHERE d.disease_code = new_code) THEN
    PERFORM app.raise('23505', 'E_DISEASE_EXISTS', format('疾病コード「%s」の疾病は既に登録されています。', new_code));
  END IF;
  PERFORM set_config('nanbyo.disease_change', 'add', true);
  INSERT INTO app.diseases (disease_code, program, notice_number, name, disease_group_code,
                            effective_from, effective_until, source, updated_by)
  VALUES (new_code, program, number, clean_name, grp, effective_from, effective_until, btrim(add_disease.source), me.id);
  PERFORM set_config('nanbyo.disease_change', '', true);
  PERFORM app.audit('disease.add', 'success', 'disease', new_code,
    jsonb_build_object('name', clean_name, 'effective_from', effective_from, 'effective_until', effective_until));
  RETURN app.disease_json(new_code);
END
$$;
COMMENT ON FUNCTION api.add_disease(text, text, date, text, date) IS
  '疾病の追加（運営主体の管理者）: 疾病コード・疾病名・施行日・出典。変更履歴に残る';

-- POST /rpc/rename_disease: the disease's name (e.g. a 告示病名の変更).
CREATE OR REPLACE FUNCTION api.rename_disease(disease_code text, name text, source text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  d app.diseases := app.disease_for_update(rename_disease.disease_code);
  clean_name text := app.checked_disease_name(rename_disease.name);
BEGIN
  IF rename_disease.source IS NULL OR btrim(rename_disease.source) = '' THEN
    PERFORM app.raise('22023', 'E_DISEASE_SOURCE_REQUIRED', '出典（告示・通知など）を入力してください。');
  END IF;
  IF clean_name = d.name THEN
    PERFORM app.raise('22023', 'E_DISEASE_NAME_UNCHANGED', '新しい疾病名が現在の名称と同じです。');
  END IF;
  PERFORM set_config('nanbyo.disease_change', 'rename', true);
  UPDATE app.diseases x
     SET name = clean_name, source = btrim(rename_disease.source), updated_at = now(), updated_by = me.id
   WHERE x.disease_code = d.disease_code;
  PERFORM set_config('nanbyo.disease_change', '', true);
  PERFORM app.audit('disease.rename', 'success', 'disease', d.disease_code,
    jsonb_build_object('old_name', d.name, 'new_name', clean_name));
  RETURN app.disease_json(d.disease_code);
END
$$;
COMMENT ON FUNCTION api.rename_disease(text, text, text) IS
  '疾病名の変更（運営主体の管理者）: 新しい名称と出典。旧名称は変更履歴に残る';

-- POST /rpc/set_disease_effective_until: the last day the disease is in
-- force (null: in force again, without an end).
CREATE OR REPLACE FUNCTION api.set_disease_effective_until(disease_code text, effective_until date, source text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  d app.diseases := app.disease_for_update(set_disease_effective_until.disease_code);
BEGIN
  IF set_disease_effective_until.source IS NULL OR btrim(set_disease_effective_until.source) = '' THEN
    PERFORM app.raise('22023', 'E_DISEASE_SOURCE_REQUIRED', '出典（告示・通知など）を入力してください。');
  END IF;
  PERFORM app.check_disease_dates(d.effective_from, effective_until);
  IF effective_until IS NOT DISTINCT FROM d.effective_until THEN
    PERFORM app.raise('22023', 'E_DISEASE_EFFECTIVE_UNTIL_UNCHANGED', '廃止日が現在の設定と同じです。');
  END IF;
  PERFORM set_config('nanbyo.disease_change', 'set_effective_until', true);
  UPDATE app.diseases x
     SET effective_until = set_disease_effective_until.effective_until, source = btrim(set_disease_effective_until.source),
         updated_at = now(), updated_by = me.id
   WHERE x.disease_code = d.disease_code;
  PERFORM set_config('nanbyo.disease_change', '', true);
  PERFORM app.audit('disease.set_effective_until', 'success', 'disease', d.disease_code,
    jsonb_build_object('old_effective_until', d.effective_until, 'new_effective_until', effective_until));
  RETURN app.disease_json(d.disease_code);
END
$$;
COMMENT ON FUNCTION api.set_disease_effective_until(text, date, text) IS
  '疾病の廃止日の設定（運営主体の管理者）: この日まで有効。null で廃止日を取り消す。変更履歴に残る';

-- GET/POST /rpc/disease_history: every change of a disease, newest first
-- (master data: every logged-in user).
CREATE OR REPLACE FUNCTION api.disease_history(disease_code text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code text := upper(btrim(normalize(coalesce(disease_history.disease_code, ''), NFKC)));
BEGIN
  IF NOT EXISTS (SELECT FROM app.diseases d WHERE d.disease_code = code) THEN
    PERFORM app.raise('P0002', 'E_DISEASE_NOT_FOUND', format('疾病コード「%s」の疾病はありません。', disease_history.disease_code));
  END IF;
  RETURN coalesce((
    SELECT jsonb_agg(jsonb_build_object(
             'id', h.id, 'changed_at', h.changed_at, 'change', h.change,
             'changed_by', a.login_id, 'changed_by_name', a.name,
             'old_values', h.old_values, 'new_values', h.new_values)
           ORDER BY h.id DESC)
      FROM app.disease_history h LEFT JOIN app.accounts a ON a.id = h.changed_by
     WHERE h.disease_code = code), '[]');
END
$$;
COMMENT ON FUNCTION api.disease_history(text) IS
  '疾病マスタの変更履歴: 追加・データファイルからの更新・名称変更・廃止日の設定（新しい順）';
