-- Public payer numbers (公費負担者番号) of the implementing bodies (D4): the
-- table's rules, and the operator admin's POST /rpc/add_public_payer_number
-- and /rpc/end_public_payer_number. Each body publishes its own numbers;
-- none are bundled (sql/master/data/README.md): the operator enters them.

-- A number's rules, whoever writes the row: 8 digits with a valid check
-- digit, 法別 of the program (54 nanbyō, 52 shōman), the prefecture digits
-- of the body, a body that runs the program, one body per number and no
-- overlapping periods of the same number. Only the end and the note change
-- afterwards.
CREATE OR REPLACE FUNCTION app.public_payer_numbers_check()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body app.organisations;
  program app.programs;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.organisation_id, NEW.program, NEW.number, NEW.valid_from)
                          IS DISTINCT FROM (OLD.organisation_id, OLD.program, OLD.number, OLD.valid_from) THEN
    PERFORM app.raise('55000', 'E_PAYER_NUMBER_IMMUTABLE',
      '登録済みの公費負担者番号は、終了日と備考のほかは変更できません。新しい番号として登録してください。');
  END IF;
  SELECT * INTO body FROM app.organisations WHERE id = NEW.organisation_id;
  IF NOT FOUND OR body.kind <> 'municipality' THEN
    PERFORM app.raise('P0002', 'E_BODY_NOT_FOUND', '指定された実施主体（自治体）が見つかりません。');
  END IF;
  SELECT * INTO program FROM app.programs WHERE code = NEW.program;
  IF NOT FOUND THEN
    PERFORM app.raise('22023', 'E_PROGRAM_UNKNOWN', '制度は 指定難病（nanbyo）か 小児慢性特定疾病（shoman）を指定してください。');
  END IF;
  IF NOT (CASE NEW.program WHEN 'nanbyo' THEN body.runs_nanbyo WHEN 'shoman' THEN body.runs_shoman END) THEN
    PERFORM app.raise('22023', 'E_PROGRAM_NOT_RUN',
      format('%sは%sの実施主体ではありません。', body.name, program.label_ja));
  END IF;
  IF NEW.number !~ '^[0-9]{8}$' THEN
    PERFORM app.raise('22023', 'E_PAYER_NUMBER_FORMAT', '公費負担者番号は8桁の数字で入力してください。');
  END IF;
  IF NOT nanbyo.valid_public_payer_number(NEW.number) THEN
    PERFORM app.raise('22023', 'E_PAYER_NUMBER_CHECK_DIGIT',
      format('公費負担者番号 %s の検証番号（8桁目）が正しくありません。', NEW.number));
  END IF;
  IF substr(NEW.number, 1, 2) <> program.law_code THEN
    PERFORM app.raise('22023', 'E_PAYER_NUMBER_LAW_CODE',
      format('%sの公費負担者番号は法別番号 %s で始まります（入力: %s）。', program.label_ja, program.law_code,
             substr(NEW.number, 1, 2)));
  END IF;
  IF substr(NEW.number, 3, 2) <> body.prefecture_code THEN
    PERFORM app.raise('22023', 'E_PAYER_NUMBER_PREFECTURE',
      format('公費負担者番号の3・4桁目は実施主体の都道府県番号 %s です（入力: %s）。', body.prefecture_code,
             substr(NEW.number, 3, 2)));
  END IF;
  IF NEW.valid_until IS NOT NULL AND NEW.valid_until < NEW.valid_from THEN
    PERFORM app.raise('22023', 'E_PERIOD_INVALID', '終了日は開始日以降の日付にしてください。');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('nanbyo.public_payer_number:' || NEW.number));
  IF EXISTS (SELECT FROM app.public_payer_numbers p
              WHERE p.number = NEW.number AND p.id IS DISTINCT FROM NEW.id
                AND p.organisation_id <> NEW.organisation_id) THEN
    PERFORM app.raise('23505', 'E_PAYER_NUMBER_TAKEN',
      format('公費負担者番号 %s は別の実施主体に登録されています。', NEW.number));
  END IF;
  IF EXISTS (SELECT FROM app.public_payer_numbers p
              WHERE p.number = NEW.number AND p.id IS DISTINCT FROM NEW.id
                AND daterange(p.valid_from, p.valid_until, '[]') && daterange(NEW.valid_from, NEW.valid_until, '[]')) THEN
    PERFORM app.raise('23505', 'E_PAYER_NUMBER_OVERLAP',
      format('公費負担者番号 %s は同じ期間に既に登録されています。', NEW.number));
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS public_payer_numbers_check ON app.public_payer_numbers;
CREATE TRIGGER public_payer_numbers_check BEFORE INSERT OR UPDATE ON app.public_payer_numbers
  FOR EACH ROW EXECUTE FUNCTION app.public_payer_numbers_check();

-- POST /rpc/add_public_payer_number (operator admin).
CREATE OR REPLACE FUNCTION api.add_public_payer_number(organisation_id bigint, program text, number text,
                                                       valid_from date, valid_until date DEFAULT NULL,
                                                       note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  row app.public_payer_numbers;
BEGIN
  IF valid_from IS NULL THEN
    PERFORM app.raise('22023', 'E_VALID_FROM_REQUIRED', '公費負担者番号の開始日を入力してください。');
  END IF;
  INSERT INTO app.public_payer_numbers (organisation_id, program, number, valid_from, valid_until, note)
  VALUES (add_public_payer_number.organisation_id, add_public_payer_number.program,
          -- full-width digits, spaces and hyphens as typed
          regexp_replace(normalize(coalesce(add_public_payer_number.number, ''), NFKC), '[\s\-－ー]', '', 'g'),
          add_public_payer_number.valid_from, add_public_payer_number.valid_until,
          nullif(btrim(add_public_payer_number.note), ''))
  RETURNING * INTO row;
  PERFORM app.audit('master.payer_number.add', 'success', 'public_payer_number', row.id::text,
    jsonb_build_object('organisation_id', row.organisation_id, 'program', row.program, 'number', row.number,
                       'valid_from', row.valid_from, 'valid_until', row.valid_until));
  RETURN to_jsonb(row) - 'created_at' - 'updated_at';
END
$$;
COMMENT ON FUNCTION api.add_public_payer_number(bigint, text, text, date, date, text) IS
  '公費負担者番号の登録（運営主体の管理者）: 検証番号・法別番号・都道府県番号・期間の重なりを確認';

-- POST /rpc/end_public_payer_number (operator admin): the last day a number
-- is valid (a number is never deleted).
CREATE OR REPLACE FUNCTION api.end_public_payer_number(public_payer_number_id bigint, valid_until date)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  before app.public_payer_numbers;
  row app.public_payer_numbers;
BEGIN
  IF end_public_payer_number.valid_until IS NULL THEN
    PERFORM app.raise('22023', 'E_VALID_UNTIL_REQUIRED', '公費負担者番号の終了日を入力してください。');
  END IF;
  SELECT * INTO before FROM app.public_payer_numbers WHERE id = public_payer_number_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_PAYER_NUMBER_NOT_FOUND', '指定された公費負担者番号が見つかりません。');
  END IF;
  UPDATE app.public_payer_numbers p SET valid_until = end_public_payer_number.valid_until
   WHERE p.id = public_payer_number_id RETURNING * INTO row;
  PERFORM app.audit('master.payer_number.end', 'success', 'public_payer_number', row.id::text,
    jsonb_build_object('number', row.number, 'valid_until_before', before.valid_until, 'valid_until', row.valid_until));
  RETURN to_jsonb(row) - 'created_at' - 'updated_at';
END
$$;
COMMENT ON FUNCTION api.end_public_payer_number(bigint, date) IS
  '公費負担者番号の終了日の設定（運営主体の管理者）: 番号は削除しない';
