-- Issuing, changing and deleting accounts (A1–A3, A5, A6, A9).
-- One rule set, `app.issuance_problems`, decides who may issue what; the
-- one-by-one function and the bulk CSV import both use it.

-- The next login id of an organisation: <organisation code>-<4-digit seq>.
CREATE OR REPLACE FUNCTION app.new_login_id(organisation bigint)
RETURNS text
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE app.organisations SET next_account_seq = next_account_seq + 1
   WHERE id = organisation
  RETURNING code || '-' || lpad((next_account_seq - 1)::text, 4, '0')
$$;

-- Everything that stops `caller` from issuing this account, as rows of
-- (column, code, Japanese message). No rows: it may be issued.
CREATE OR REPLACE FUNCTION app.issuance_problems(
  caller app.accounts, role text, organisation_id bigint,
  program text, doctor_kind text, medical_registry_number text,
  designated_doctor_number text, designation_expires_on date)
RETURNS TABLE (column_name text, code text, message text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  org app.organisations;
  authority_id bigint;
  holder record;
  program_label text := CASE program WHEN 'nanbyo' THEN '難病' WHEN 'shoman' THEN '小慢' END;
  caller_is_hospital_admin boolean := caller.is_hospital_admin AND caller.role IN ('doctor', 'hospital_admin');
BEGIN
  IF NOT EXISTS (SELECT FROM app.roles r WHERE r.code = role) THEN
    RETURN QUERY SELECT 'role', 'E_ROLE_UNKNOWN', format('利用者区分「%s」はありません。', role);
    RETURN;
  END IF;
  SELECT * INTO org FROM app.organisations o WHERE o.id = organisation_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'organisation_id', 'E_UNKNOWN_ORGANISATION', '所属組織が見つかりません。';
    RETURN;
  END IF;
  IF org.kind <> (SELECT r.organisation_kind FROM app.roles r WHERE r.code = role) THEN
    RETURN QUERY SELECT 'role', 'E_ROLE_ORGANISATION_MISMATCH',
      format('「%s」にはこの利用者区分のIDを発行できません。', org.name);
    RETURN;
  END IF;

  IF role = 'doctor' THEN
    IF NOT EXISTS (SELECT FROM app.programs p WHERE p.code = program) THEN
      RETURN QUERY SELECT 'program', 'E_PROGRAM_REQUIRED', '指定医の制度（難病・小慢）を指定してください。';
      RETURN;
    END IF;
    IF doctor_kind IS NULL OR doctor_kind NOT IN ('designated', 'cooperating') THEN
      RETURN QUERY SELECT 'doctor_kind', 'E_DOCTOR_KIND_REQUIRED', '指定医区分を指定してください。';
    ELSIF doctor_kind = 'cooperating' AND program <> 'nanbyo' THEN
      RETURN QUERY SELECT 'doctor_kind', 'E_DOCTOR_KIND_INVALID', '協力難病指定医は難病の指定医区分です。';
    END IF;
    IF medical_registry_number IS NULL OR medical_registry_number !~ '^[0-9]{1,7}$' THEN
      RETURN QUERY SELECT 'medical_registry_number', 'E_REGISTRY_NUMBER_INVALID', '医籍登録番号は7桁以内の数字で指定してください。';
    END IF;
    IF designated_doctor_number IS NULL OR designated_doctor_number !~ '^[A-Za-z0-9-]{1,20}$' THEN
      RETURN QUERY SELECT 'designated_doctor_number', 'E_DESIGNATED_NUMBER_INVALID', '指定医番号は20文字以内の英数字とハイフンで指定してください。';
    END IF;
    IF designation_expires_on IS NULL THEN
      RETURN QUERY SELECT 'designation_expires_on', 'E_EXPIRY_REQUIRED', '指定有効期限を指定してください。';
    ELSIF designation_expires_on < current_date THEN
      RETURN QUERY SELECT 'designation_expires_on', 'E_DESIGNATION_EXPIRED', '指定有効期限が過ぎています。';
    END IF;
    -- A1: issued by the municipality that runs the program for the doctor's main hospital
    authority_id := CASE program WHEN 'nanbyo' THEN org.nanbyo_authority_id ELSE org.shoman_authority_id END;
    IF authority_id IS NULL THEN
      RETURN QUERY SELECT 'organisation_id', 'E_NO_AUTHORITY',
        format('「%s」には%sの指定医ID発行自治体が登録されていません。運営主体に連絡してください。', org.name, program_label);
    ELSIF caller.role <> 'municipality_admin' OR caller.organisation_id <> authority_id THEN
      RETURN QUERY SELECT 'organisation_id', 'E_NOT_ISSUER',
        format('「%s」の%s指定医IDを発行できるのは%sの管理者です。', org.name, program_label,
               (SELECT name FROM app.organisations WHERE id = authority_id));
    END IF;
    -- A2: one live ID per doctor per program, by either number
    SELECT a.login_id, a.doctor_kind AS kind, m.name AS municipality INTO holder
      FROM app.accounts a LEFT JOIN app.organisations m ON m.id = a.issued_by_organisation_id
     WHERE a.role = 'doctor' AND a.deleted_at IS NULL AND a.program = program
       AND (a.medical_registry_number = medical_registry_number
            OR a.designated_doctor_number = designated_doctor_number)
     LIMIT 1;
    IF FOUND THEN
      IF holder.kind IS DISTINCT FROM doctor_kind THEN
        RETURN QUERY SELECT 'medical_registry_number', 'E_KIND_SWITCH_DELETE_FIRST',
          format('この医師には%sの%sIDがあります（%s発行）。区分を変更するには、先に既存のIDを削除（理由: 区分変更）してください。',
                 program_label, CASE holder.kind WHEN 'cooperating' THEN '協力難病指定医' ELSE '指定医' END,
                 coalesce(holder.municipality, '運営主体'));
      ELSE
        RETURN QUERY SELECT 'medical_registry_number', 'E_DUPLICATE_DOCTOR_ID',
          format('この医師の%s指定医IDは既に%sが発行しています。', program_label, coalesce(holder.municipality, '運営主体'));
      END IF;
    END IF;
    RETURN;
  END IF;

  IF program IS NOT NULL OR doctor_kind IS NOT NULL OR medical_registry_number IS NOT NULL
     OR designated_doctor_number IS NOT NULL OR designation_expires_on IS NOT NULL THEN
    RETURN QUERY SELECT 'role', 'E_NOT_A_DOCTOR', '指定医の項目は指定医のIDにだけ指定できます。';
  END IF;
  IF NOT coalesce((CASE role
      WHEN 'hospital_admin' THEN
        caller.role = 'municipality_admin' AND caller.organisation_id IN (org.nanbyo_authority_id, org.shoman_authority_id)
        OR caller_is_hospital_admin AND caller.organisation_id = org.id
      WHEN 'clerk' THEN caller_is_hospital_admin AND caller.organisation_id = org.id
      WHEN 'municipality_admin' THEN
        caller.role = 'operator_admin' OR caller.role = 'municipality_admin' AND caller.organisation_id = org.id
      WHEN 'municipality_staff' THEN caller.role = 'municipality_admin' AND caller.organisation_id = org.id
      WHEN 'operator_admin' THEN caller.role = 'operator_admin' AND caller.organisation_id = org.id
      WHEN 'operator_staff' THEN caller.role = 'operator_admin' AND caller.organisation_id = org.id
      WHEN 'ministry_admin' THEN
        caller.role = 'operator_admin' OR caller.role = 'ministry_admin' AND caller.organisation_id = org.id
      WHEN 'ministry_staff' THEN caller.role = 'ministry_admin' AND caller.organisation_id = org.id
      WHEN 'contractor' THEN caller.role = 'operator_admin'
    END), false) THEN
    RETURN QUERY SELECT 'role', 'E_NOT_ISSUER',
      format('このIDを「%s」に発行する権限がありません。', org.name);
  END IF;
END
$$;

-- Writes one account whose issuance was checked. The first doctor of a
-- hospital without an admin gets the admin right (A5), as does the doctor of
-- a user-data file's first row (make_admin, A4); hospital_admin accounts
-- always have it.
CREATE OR REPLACE FUNCTION app.create_account(
  caller app.accounts, role text, organisation_id bigint, name text, name_kana text, email text,
  program text, doctor_kind text, medical_registry_number text,
  designated_doctor_number text, designation_expires_on date, make_admin boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  new_login text := app.new_login_id(organisation_id);
  password text := nanbyo.initial_password();
  admin boolean;
  created app.accounts;
BEGIN
  IF name IS NULL OR name !~ '[^[:space:]　]' OR name_kana IS NULL OR name_kana !~ '[^[:space:]　]'
     OR app.has_hidden_characters(name) OR app.has_hidden_characters(name_kana) THEN
    PERFORM app.raise('22023', 'E_NAME_REQUIRED', '氏名と氏名カナを指定してください（制御文字・見えない文字は使えません）。');
  END IF;
  PERFORM app.checked_email(email);
  admin := role = 'hospital_admin' OR role = 'doctor' AND (make_admin OR NOT EXISTS (
    SELECT FROM app.accounts a
     WHERE a.organisation_id = create_account.organisation_id AND a.is_hospital_admin AND a.deleted_at IS NULL));
  INSERT INTO app.accounts (login_id, role, organisation_id, issued_by_organisation_id, issued_by_account_id,
                            name, name_kana, email, password_hash, is_hospital_admin,
                            program, doctor_kind, medical_registry_number, designated_doctor_number,
                            designation_expires_on)
  VALUES (new_login, role, organisation_id, caller.organisation_id, caller.id,
          btrim(name), btrim(normalize(name_kana, NFKC)), email, nanbyo.hash_password(password), admin,
          program, doctor_kind, medical_registry_number, designated_doctor_number, designation_expires_on)
  RETURNING * INTO created;
  PERFORM app.audit('account.issue', 'success', 'account', created.id::text,
    jsonb_build_object('login_id', created.login_id, 'role', role, 'organisation_id', organisation_id,
                       'program', program, 'is_hospital_admin', admin));
  RETURN jsonb_build_object('id', created.id, 'login_id', created.login_id, 'role', role,
                            'organisation_id', organisation_id, 'name', created.name,
                            'is_hospital_admin', admin, 'initial_password', password);
END
$$;

-- POST /rpc/issue_account: issue one account. Returns the login id and the
-- initial password (shown once; the user changes it at first login).
CREATE OR REPLACE FUNCTION api.issue_account(
  role text, organisation_id bigint, name text, name_kana text, email text DEFAULT NULL,
  program text DEFAULT NULL, doctor_kind text DEFAULT NULL, medical_registry_number text DEFAULT NULL,
  designated_doctor_number text DEFAULT NULL, designation_expires_on date DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  problem record;
BEGIN
  -- serialise issuance per doctor so that two concurrent requests cannot both pass A2
  PERFORM pg_advisory_xact_lock(hashtext('nanbyo.issue:' || coalesce(program, '') || ':' || coalesce(medical_registry_number, '')));
  FOR problem IN SELECT * FROM app.issuance_problems(me, role, organisation_id, program, doctor_kind,
      medical_registry_number, designated_doctor_number, designation_expires_on) LOOP
    PERFORM app.raise(CASE WHEN problem.code IN ('E_NOT_ISSUER', 'E_ROLE_ORGANISATION_MISMATCH') THEN '42501'
                           WHEN problem.code IN ('E_DUPLICATE_DOCTOR_ID', 'E_KIND_SWITCH_DELETE_FIRST') THEN '23505'
                           ELSE '22023' END,
                      problem.code, problem.message, problem.column_name);
  END LOOP;
  RETURN app.create_account(me, role, organisation_id, name, name_kana, email, program, doctor_kind,
                            medical_registry_number, designated_doctor_number, designation_expires_on);
END
$$;
COMMENT ON FUNCTION api.issue_account(text, bigint, text, text, text, text, text, text, text, date) IS
  'ユーザID発行（1件）: ログインIDと初期パスワードを返す';

-- The account `target_id`, locked, if the caller's organisation issued it
-- (A3); otherwise an error. Hospital admins may manage accounts of their own
-- hospital that are not doctors' (doctors belong to the municipality).
CREATE OR REPLACE FUNCTION app.managed_account(caller app.accounts, target_id bigint, hospital_admin_may boolean)
RETURNS app.accounts
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t app.accounts;
BEGIN
  SELECT * INTO t FROM app.accounts WHERE id = target_id AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_ACCOUNT_NOT_FOUND', 'ユーザIDが見つかりません。');
  END IF;
  IF t.issued_by_organisation_id = caller.organisation_id AND caller.role IN
       ('municipality_admin', 'operator_admin', 'ministry_admin')
     OR hospital_admin_may AND caller.is_hospital_admin AND caller.organisation_id = t.organisation_id THEN
    RETURN t;
  END IF;
  PERFORM app.raise('42501', 'E_NOT_ISSUER', 'このユーザIDを変更できるのは発行した組織の管理者です。');
END
$$;

-- POST /rpc/update_doctor_designation (A6): the issuing municipality changes
-- a doctor's designation expiry (and number). The doctor's key is revoked and
-- every session ends now; the doctor enrols a new key at the next login with
-- the password and the one-time enrolment code in the answer (sql/accounts/enrolment_codes.sql),
-- which the municipality hands over, and is told by mail.
CREATE OR REPLACE FUNCTION api.update_doctor_designation(
  account_id bigint, designation_expires_on date, designated_doctor_number text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  t app.accounts := app.managed_account(me, account_id, false);
  ended integer;
  code jsonb;
  notified boolean;
BEGIN
  IF t.role <> 'doctor' THEN
    PERFORM app.raise('22023', 'E_NOT_A_DOCTOR', '指定医のIDではありません。');
  END IF;
  IF designation_expires_on IS NULL THEN
    PERFORM app.raise('22023', 'E_EXPIRY_REQUIRED', '指定有効期限を指定してください。');
  END IF;
  IF designated_doctor_number IS NOT NULL AND designated_doctor_number !~ '^[A-Za-z0-9-]{1,20}$' THEN
    PERFORM app.raise('22023', 'E_DESIGNATED_NUMBER_INVALID', '指定医番号は20文字以内の英数字で指定してください。');
  END IF;
  IF designated_doctor_number IS NOT NULL AND EXISTS (
       SELECT FROM app.accounts a WHERE a.role = 'doctor' AND a.deleted_at IS NULL AND a.program = t.program
          AND a.designated_doctor_number = update_doctor_designation.designated_doctor_number AND a.id <> t.id) THEN
    PERFORM app.raise('23505', 'E_DUPLICATE_DOCTOR_ID', 'この指定医番号のIDは既にあります。');
  END IF;
  UPDATE app.accounts a
     SET designation_expires_on = update_doctor_designation.designation_expires_on,
         designated_doctor_number = coalesce(update_doctor_designation.designated_doctor_number, a.designated_doctor_number),
         key_hash = NULL, key_issued_at = NULL
   WHERE a.id = t.id;
  ended := app.revoke_sessions(t.id, 'designation_changed');
  code := app.issue_enrolment_code(t.id, me.id);
  notified := app.notify_account(t.id, 'key_revoked', me.id);
  PERFORM app.audit('account.update_designation', 'success', 'account', t.id::text,
    jsonb_build_object('from', t.designation_expires_on, 'to', designation_expires_on,
                       'key_revoked', true, 'sessions_ended', ended, 'notified', notified));
  RETURN jsonb_build_object('id', t.id, 'designation_expires_on', designation_expires_on,
                            'key_revoked', true, 'sessions_ended', ended, 'notified', notified) || code;
END
$$;
COMMENT ON FUNCTION api.update_doctor_designation(bigint, date, text) IS
  '指定医の有効期限変更（発行自治体）: 暗号化キーを失効させ、全セッションを終了する';

-- POST /rpc/delete_account (A9): the issuing organisation (or, for clerks and
-- hospital admins, the hospital admin) deletes an ID. The row stays for the
-- record; the account can no longer log in and leaves every workflow.
CREATE OR REPLACE FUNCTION api.delete_account(account_id bigint, reason text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  t app.accounts;
BEGIN
  IF reason IS NULL OR reason NOT IN ('resigned', 'moved', 'stopped_using', 'mistaken', 'kind_switch') THEN
    PERFORM app.raise('22023', 'E_DELETION_REASON',
      '削除理由は resigned（退職）, moved（転出）, stopped_using（利用終了）, mistaken（誤登録）, kind_switch（区分変更）のいずれかです。');
  END IF;
  SELECT * INTO t FROM app.accounts WHERE id = account_id;
  t := app.managed_account(me, account_id, coalesce(t.role IN ('clerk', 'hospital_admin'), false));
  IF t.id = me.id THEN
    PERFORM app.raise('22023', 'E_DELETE_SELF', '自分のIDは削除できません。');
  END IF;
  IF reason = 'kind_switch' AND t.role <> 'doctor' THEN
    PERFORM app.raise('22023', 'E_DELETION_REASON', '区分変更による削除は指定医のIDだけです。');
  END IF;
  UPDATE app.accounts a SET deleted_at = now(), deletion_reason = reason, is_hospital_admin = false,
                            key_hash = NULL
   WHERE a.id = t.id;
  PERFORM app.revoke_sessions(t.id, 'deleted');
  UPDATE app.enrolment_codes c SET revoked_at = now()
   WHERE c.account_id = t.id AND c.used_at IS NULL AND c.revoked_at IS NULL;
  UPDATE app.secondary_hospitals s SET status = 'withdrawn'
   WHERE s.account_id = t.id AND s.status IN ('applied', 'approved');
  PERFORM app.audit('account.delete', 'success', 'account', t.id::text,
    jsonb_build_object('login_id', t.login_id, 'reason', reason, 'was_hospital_admin', t.is_hospital_admin));
  RETURN jsonb_build_object('id', t.id, 'login_id', t.login_id, 'deleted', true, 'reason', reason,
    'hospital_left_without_admin', t.is_hospital_admin);
END
$$;
COMMENT ON FUNCTION api.delete_account(bigint, text) IS 'ユーザID削除（発行した組織）: 退職・転出・利用終了・誤登録・区分変更';
