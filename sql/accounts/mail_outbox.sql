-- Mail to account holders (A5, A7): a key revocation, a new key file and a
-- password reset are told to the account's registered address. A hospital
-- admin who resets a password and reissues a key can act as that user; the
-- mail and the audit entry are what lets the user notice. Written to
-- app.mail_outbox; the deployment's mailer (role nanbyo_mailer, see
-- policies/) sends and marks them. No secret (password, key, code) is ever
-- in a mail.

-- Queues the notice `kind` for `account`, naming who did it (`actor`).
-- Answers whether a mail was queued (an account not yet enrolled has no
-- address).
CREATE OR REPLACE FUNCTION app.notify_account(account bigint, kind text, actor bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a app.accounts;
  by_whom text;
  at_text text := to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI');
  subject text;
  body text;
BEGIN
  SELECT * INTO a FROM app.accounts x WHERE x.id = account;
  IF a.email IS NULL THEN
    RETURN false;
  END IF;
  SELECT format('%s（%s）', x.name, o.name) INTO by_whom
    FROM app.accounts x JOIN app.organisations o ON o.id = x.organisation_id WHERE x.id = actor;
  by_whom := coalesce(by_whom, 'システム管理者');
  subject := '【難病・小慢DB】' || CASE kind
    WHEN 'key_revoked' THEN '暗号化キーファイルが無効になりました'
    WHEN 'key_issued' THEN '新しい暗号化キーファイルが発行されました'
    WHEN 'password_reset' THEN 'パスワードが再発行されました' END;
  body := format(E'%s 様\n\nユーザID %s について、%s に次の操作が行われました。\n\n  %s\n  操作した人: %s\n\n',
                 a.name, a.login_id, at_text, subject, by_whom)
    || CASE kind
         WHEN 'key_revoked' THEN E'これまでの暗号化キーファイルは使えません。次回のログインでは、パスワードと、発行元から受け取った登録コードで新しいキーファイルを登録してください。\n'
         WHEN 'key_issued' THEN E'これからのログインには新しい暗号化キーファイルが必要です。\n'
         ELSE E'次回のログインでは、発行元から受け取った初期パスワードでログインし、パスワードを変更してください。\n' END
    || E'\n心当たりがない場合は、直ちに医療機関の責任者または発行自治体に連絡してください。\n'
    || E'（このメールは送信専用です。パスワード・キー・登録コードをメールでお送りすることはありません。）\n';
  INSERT INTO app.mail_outbox (account_id, to_address, kind, subject, body, request_id)
  VALUES (a.id, a.email, kind, subject, body, app.current_request_id());
  RETURN true;
END
$$;
