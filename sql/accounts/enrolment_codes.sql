-- One-time enrolment codes (A7). A revoked key (api.reissue_key,
-- api.update_doctor_designation) must not let whoever knows the password
-- enrol a new key file: the revocation makes a code, which the issuer or
-- hospital admin hands to the user by another channel (in person, by
-- phone, on paper). Logging in to enrol then needs password + code, and
-- the code is spent when the new key file is issued. Short-lived, single
-- use, only its hash stored; a newer code replaces the older one.

-- How long a code can be used.
CREATE OR REPLACE FUNCTION app.enrolment_code_lifetime()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '72 hours' $$;

-- A code as typed, in its canonical form: upper case, without spaces or hyphens.
CREATE OR REPLACE FUNCTION app.enrolment_code_hash(code text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
  SELECT encode(sha256(convert_to(upper(regexp_replace(normalize(code, NFKC), '[\s-]', '', 'g')), 'UTF8')), 'hex')
$$;

-- A new code of 12 characters read easily over the phone (no 0/O, 1/I),
-- grouped by four: 60 random bits, and the lockout allows five guesses.
CREATE OR REPLACE FUNCTION app.new_enrolment_code()
RETURNS text
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  -- (gen_random_uuid is the server's strong random; bytes 6 and 8 carry the
  -- uuid's version and variant bits and are skipped; 256 is a multiple of
  -- 32, so each character is uniform)
  SELECT string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', get_byte(b, i) % 32 + 1, 1)
                    || CASE WHEN n IN (4, 8) THEN '-' ELSE '' END, '' ORDER BY n)
    FROM (SELECT uuid_send(gen_random_uuid()) AS b) r,
         unnest(ARRAY[0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14]) WITH ORDINALITY AS x(i, n)
$$;

-- Makes `account`'s new code (replacing a live one) and requires it at the
-- next enrolment. Answers the code, to be shown once to `issuer`.
CREATE OR REPLACE FUNCTION app.issue_enrolment_code(account bigint, issuer bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code text := app.new_enrolment_code();
  expires timestamptz := now() + app.enrolment_code_lifetime();
BEGIN
  UPDATE app.enrolment_codes c SET revoked_at = now()
   WHERE c.account_id = account AND c.used_at IS NULL AND c.revoked_at IS NULL;
  INSERT INTO app.enrolment_codes (account_id, code_hash, issued_by, expires_at)
  VALUES (account, app.enrolment_code_hash(code), issuer, expires);
  UPDATE app.accounts a SET enrolment_code_required = true WHERE a.id = account;
  RETURN jsonb_build_object('enrolment_code', code, 'enrolment_code_expires_at', expires);
END
$$;

-- The live code of `account` that `typed` is, or null.
CREATE OR REPLACE FUNCTION app.live_enrolment_code(account bigint, typed text)
RETURNS bigint
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.id FROM app.enrolment_codes c
   WHERE c.account_id = account AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > now()
     AND c.code_hash = app.enrolment_code_hash(typed)
$$;

-- Spends the code an enrolment session was opened with; an error if it is
-- no longer live (replaced, expired or already used).
CREATE OR REPLACE FUNCTION app.spend_enrolment_code(me app.accounts)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE app.enrolment_codes c SET used_at = now()
   WHERE c.account_id = me.id AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > now()
     AND c.id = (SELECT s.enrolment_code_id FROM app.sessions s WHERE s.id = app.jwt_claim('sid')::uuid);
  IF NOT FOUND THEN
    PERFORM app.raise('42501', 'E_ENROLMENT_CODE_INVALID',
      '登録コードが無効になっています（期限切れ・使用済み・再発行済み）。発行元から新しい登録コードを受け取り、もう一度ログインしてください。');
  END IF;
  UPDATE app.accounts a SET enrolment_code_required = false WHERE a.id = me.id;
END
$$;
