-- A4 bulk issuance from the hospital user-data file (医療機関ユーザデータファイル,
-- columns in docs/user-data-file.md). All or nothing: when any row has a
-- problem, no account is written and every problem is reported with its line.

-- POST /rpc/issue_accounts_from_csv {"csv": "..."} (municipality admin).
-- Accepted: {"accepted": true, "accounts": [{line, login_id, initial_password, ...}]}.
-- Refused: HTTP 422, {"accepted": false, "problems": [{line, column, code, message}]}.
CREATE OR REPLACE FUNCTION api.issue_accounts_from_csv(csv text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  file jsonb;
  problems jsonb;
  r record;
  hospital app.organisations;
  p record;
  accounts jsonb := '[]';
  seen_hospitals bigint[] := '{}';
  rows_with_hospital jsonb := '[]';
BEGIN
  IF me.role <> 'municipality_admin' THEN
    PERFORM app.raise('42501', 'E_NOT_ISSUER', '医療機関ユーザデータファイルで一括発行できるのは自治体の管理者です。');
  END IF;
  IF csv IS NULL OR btrim(csv) = '' THEN
    PERFORM app.raise('22023', 'E_CSV_REQUIRED', '医療機関ユーザデータファイルの内容（csv）を指定してください。');
  END IF;
  file := nanbyo.read_user_data_file(csv, current_date);
  problems := file -> 'problems';

  FOR r IN SELECT * FROM jsonb_to_recordset(file -> 'rows') AS x(
        line integer, medical_institution_code text, account_type text, program text, doctor_kind text,
        name text, name_kana text, email text, medical_registry_number text,
        designated_doctor_number text, designation_expires_on date)
      ORDER BY line LOOP
    SELECT * INTO hospital FROM app.organisations o
     WHERE o.kind = 'hospital' AND o.code = r.medical_institution_code;
    IF NOT FOUND THEN
      problems := problems || jsonb_build_object('line', r.line, 'column', 'medical_institution_code',
        'code', 'E_UNKNOWN_HOSPITAL',
        'message', format('医療機関コード %s の医療機関は登録されていません。', r.medical_institution_code));
      CONTINUE;
    END IF;
    IF r.account_type = 'doctor' THEN
      PERFORM pg_advisory_xact_lock(hashtext('nanbyo.issue:' || r.program || ':' || coalesce(r.medical_registry_number, '')));
    END IF;
    FOR p IN SELECT * FROM app.issuance_problems(me, r.account_type, hospital.id, r.program, r.doctor_kind,
        r.medical_registry_number, r.designated_doctor_number, r.designation_expires_on) LOOP
      problems := problems || jsonb_build_object('line', r.line, 'column', p.column_name,
                                                 'code', p.code, 'message', p.message);
    END LOOP;
    IF r.account_type = 'doctor' AND EXISTS (
         SELECT FROM jsonb_to_recordset(rows_with_hospital) AS e(line integer, program text,
                       medical_registry_number text, designated_doctor_number text)
          WHERE e.program = r.program
            AND (e.medical_registry_number = r.medical_registry_number
                 OR e.designated_doctor_number = r.designated_doctor_number)) THEN
      problems := problems || jsonb_build_object('line', r.line, 'column', 'medical_registry_number',
        'code', 'E_DUPLICATE_IN_FILE', 'message', 'この医師の同じ制度の行がファイル内に既にあります。');
    END IF;
    rows_with_hospital := rows_with_hospital || (to_jsonb(r) || jsonb_build_object('hospital_id', hospital.id));
  END LOOP;

  IF jsonb_array_length(problems) > 0 THEN
    -- one problem per cell: the file reader's finding comes first and wins
    SELECT jsonb_agg(x ORDER BY (x ->> 'line')::integer, n) INTO problems
      FROM (SELECT DISTINCT ON (x ->> 'line', x ->> 'column') x, n
              FROM jsonb_array_elements(problems) WITH ORDINALITY AS e(x, n)
             ORDER BY x ->> 'line', x ->> 'column', n) d;
    PERFORM app.audit('account.bulk_issue', 'refused', 'file', NULL,
      jsonb_build_object('rows', jsonb_array_length(file -> 'rows'), 'problems', jsonb_array_length(problems)));
    PERFORM set_config('response.status', '422', true);
    RETURN jsonb_build_object('accepted', false,
      'message', 'ファイルに誤りがあるため、1件も発行していません。各行の誤りを直して、もう一度送信してください。',
      'problems', problems);
  END IF;

  FOR r IN SELECT * FROM jsonb_to_recordset(rows_with_hospital) AS x(
        line integer, hospital_id bigint, account_type text, program text, doctor_kind text,
        name text, name_kana text, email text, medical_registry_number text,
        designated_doctor_number text, designation_expires_on date)
      ORDER BY line LOOP
    accounts := accounts || (jsonb_build_object('line', r.line) || app.create_account(
      me, r.account_type, r.hospital_id, r.name, r.name_kana, r.email, r.program, r.doctor_kind,
      r.medical_registry_number, r.designated_doctor_number, r.designation_expires_on,
      -- A4: the first row of each hospital in the file names its admin
      make_admin => NOT r.hospital_id = ANY (seen_hospitals)));
    seen_hospitals := seen_hospitals || r.hospital_id;
  END LOOP;
  PERFORM app.audit('account.bulk_issue', 'success', 'file', NULL,
    jsonb_build_object('rows', jsonb_array_length(accounts)));
  RETURN jsonb_build_object('accepted', true, 'accounts', accounts);
END
$$;
COMMENT ON FUNCTION api.issue_accounts_from_csv(text) IS
  'ユーザID一括発行（医療機関ユーザデータファイル, CSV）: 1行でも誤りがあれば1件も発行しない';
