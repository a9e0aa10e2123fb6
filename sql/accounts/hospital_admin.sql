-- A5/A11 powers of the hospital admin (責任者): reset a password, unlock an
-- account, reissue an encryption key, hand over the admin right. The
-- organisation that issued an account (the municipality for doctors) may do
-- the same, as may the hospital admin for every account of the hospital.

-- POST /rpc/reset_password {"account_id"}: a new initial password (returned
-- once); the account is unlocked, its sessions end, the user is told by
-- mail, and must change the password at the next login (the key file is
-- still required).
CREATE OR REPLACE FUNCTION api.reset_password(account_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  t app.accounts := app.managed_account(me, account_id, true);
  password text := nanbyo.initial_password();
  was_locked boolean := app.account_locked_until(t.id) IS NOT NULL;
  notified boolean;
BEGIN
  UPDATE app.accounts a
     SET password_hash = nanbyo.hash_password(password), password_must_change = true
   WHERE a.id = t.id;
  DELETE FROM app.login_throttle x WHERE x.account_id = t.id;
  PERFORM app.revoke_sessions(t.id, 'password_reset');
  notified := app.notify_account(t.id, 'password_reset', me.id);
  PERFORM app.audit('account.reset_password', 'success', 'account', t.id::text,
                    jsonb_build_object('login_id', t.login_id, 'was_locked', was_locked, 'notified', notified));
  RETURN jsonb_build_object('id', t.id, 'login_id', t.login_id, 'initial_password', password, 'notified', notified);
END
$$;
COMMENT ON FUNCTION api.reset_password(bigint) IS 'パスワード再発行（責任者・発行組織）: 初期パスワードを返し、ロックも解除する';

-- POST /rpc/unlock_account {"account_id"} (A11).
CREATE OR REPLACE FUNCTION api.unlock_account(account_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  t app.accounts := app.managed_account(me, account_id, true);
  locked_until timestamptz := app.account_locked_until(t.id);
BEGIN
  IF locked_until IS NULL THEN
    PERFORM app.raise('22023', 'E_NOT_LOCKED', 'このユーザIDはロックされていません。');
  END IF;
  DELETE FROM app.login_throttle x WHERE x.account_id = t.id;
  PERFORM app.audit('account.unlock', 'success', 'account', t.id::text,
                    jsonb_build_object('login_id', t.login_id, 'locked_until', locked_until));
  RETURN jsonb_build_object('id', t.id, 'login_id', t.login_id, 'unlocked', true);
END
$$;
COMMENT ON FUNCTION api.unlock_account(bigint) IS 'ロック解除（責任者・発行組織）';

-- POST /rpc/reissue_key {"account_id"} (A5, A7): the old key file is dead at
-- once, every session ends and the user is told by mail. The answer holds a
-- one-time enrolment code (shown once) for the caller to hand to the user,
-- who needs it with the password to enrol the new key file. Calling it
-- again makes a new code (the old one stops working).
CREATE OR REPLACE FUNCTION api.reissue_key(account_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  t app.accounts := app.managed_account(me, account_id, true);
  ended integer;
  code jsonb;
  notified boolean;
BEGIN
  UPDATE app.accounts a SET key_hash = NULL, key_issued_at = NULL WHERE a.id = t.id;
  ended := app.revoke_sessions(t.id, 'key_reissued');
  code := app.issue_enrolment_code(t.id, me.id);
  notified := app.notify_account(t.id, 'key_revoked', me.id);
  PERFORM app.audit('account.reissue_key', 'success', 'account', t.id::text,
                    jsonb_build_object('login_id', t.login_id, 'sessions_ended', ended, 'notified', notified,
                                       'enrolment_code_expires_at', code -> 'enrolment_code_expires_at'));
  RETURN jsonb_build_object('id', t.id, 'login_id', t.login_id, 'key_revoked', true, 'sessions_ended', ended,
                            'notified', notified) || code || jsonb_build_object(
    'message', '旧い暗号化キーファイルは無効になりました。登録コードを本人に直接お伝えください（再表示はできません）。本人はパスワードと登録コードでログインし、新しいキーファイルを受け取ります。');
END
$$;
COMMENT ON FUNCTION api.reissue_key(bigint) IS '暗号化キー再発行（責任者・発行組織）: 旧キーは即時無効';

-- POST /rpc/transfer_hospital_admin {"account_id"} (A5): the caller hands
-- the admin right of their hospital to another doctor or admin account there.
CREATE OR REPLACE FUNCTION api.transfer_hospital_admin(account_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  t app.accounts;
BEGIN
  -- two transfers at once must not both succeed: lock the caller's row and
  -- read the right again
  SELECT * INTO me FROM app.accounts a WHERE a.id = me.id FOR UPDATE;
  IF NOT me.is_hospital_admin THEN
    PERFORM app.raise('42501', 'E_NOT_HOSPITAL_ADMIN', '責任者権限を持つ利用者だけが権限を引き継げます。');
  END IF;
  SELECT * INTO t FROM app.accounts a
   WHERE a.id = transfer_hospital_admin.account_id AND a.deleted_at IS NULL
     AND a.organisation_id = me.organisation_id
   FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_ACCOUNT_NOT_FOUND', 'この医療機関のユーザIDが見つかりません。');
  END IF;
  IF t.role NOT IN ('doctor', 'hospital_admin') OR t.id = me.id THEN
    PERFORM app.raise('22023', 'E_CANNOT_BE_ADMIN', '責任者権限は、この医療機関の他の指定医または責任者のIDにだけ引き継げます。');
  END IF;
  UPDATE app.accounts a SET is_hospital_admin = true WHERE a.id = t.id;
  UPDATE app.accounts a SET is_hospital_admin = false WHERE a.id = me.id;
  PERFORM app.audit('account.transfer_hospital_admin', 'success', 'account', t.id::text,
                    jsonb_build_object('from', me.login_id, 'to', t.login_id));
  RETURN jsonb_build_object('from', me.login_id, 'to', t.login_id, 'transferred', true);
END
$$;
COMMENT ON FUNCTION api.transfer_hospital_admin(bigint) IS '責任者権限の引継ぎ';
