-- A10: a hospital's medical institution code changes (e.g. it moves or is
-- re-founded). The organisation keeps its identity, so its forms, links and
-- history stay; the accounts' login ids, which start with the code, are
-- rewritten in bulk and reported so the hospital can tell its users.

-- POST /rpc/change_medical_institution_code {"hospital_id", "new_code"}
-- (the hospital's issuing municipality, or the operator admin).
CREATE OR REPLACE FUNCTION api.change_medical_institution_code(hospital_id bigint, new_code text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  h app.organisations;
  renamed jsonb;
BEGIN
  SELECT * INTO h FROM app.organisations o
   WHERE o.id = change_medical_institution_code.hospital_id AND o.kind = 'hospital' FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_UNKNOWN_HOSPITAL', '医療機関が見つかりません。');
  END IF;
  IF NOT (me.role = 'operator_admin'
          OR me.role = 'municipality_admin' AND me.organisation_id IN (h.nanbyo_authority_id, h.shoman_authority_id)) THEN
    PERFORM app.raise('42501', 'E_NOT_ISSUER', format('「%s」の医療機関コードを変更できるのは、その指定医IDを発行する自治体の管理者か運営主体です。', h.name));
  END IF;
  IF new_code IS NULL OR new_code !~ '^[0-9]{10}$' OR NOT nanbyo.valid_medical_institution_code(new_code) THEN
    PERFORM app.raise('22023', 'E_MEDICAL_INSTITUTION_CODE', '医療機関コードは検証番号の正しい10桁の数字で指定してください。');
  END IF;
  IF new_code = h.code THEN
    PERFORM app.raise('22023', 'E_CODE_UNCHANGED', '新しい医療機関コードが現在のコードと同じです。');
  END IF;
  IF EXISTS (SELECT FROM app.organisations o WHERE o.kind = 'hospital' AND o.code = new_code) THEN
    PERFORM app.raise('23505', 'E_CODE_TAKEN', format('医療機関コード %s は既に別の医療機関が使っています。', new_code));
  END IF;
  UPDATE app.organisations o SET code = new_code WHERE o.id = h.id;
  WITH changed AS (
    UPDATE app.accounts a SET login_id = new_code || substr(a.login_id, length(h.code) + 1)
     WHERE a.organisation_id = h.id AND a.login_id LIKE h.code || '-%'
    RETURNING a.id, a.login_id AS new_login_id, h.code || substr(a.login_id, length(new_code) + 1) AS old_login_id)
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'old_login_id', old_login_id, 'new_login_id', new_login_id)
                            ORDER BY id), '[]')
    INTO renamed FROM changed;
  PERFORM app.audit('organisation.change_code', 'success', 'organisation', h.id::text,
    jsonb_build_object('old_code', h.code, 'new_code', new_code, 'accounts', jsonb_array_length(renamed)));
  RETURN jsonb_build_object('hospital_id', h.id, 'old_code', h.code, 'new_code', new_code, 'accounts', renamed);
END
$$;
COMMENT ON FUNCTION api.change_medical_institution_code(bigint, text) IS
  '医療機関コード変更: 医療機関のユーザIDを一括で書き換え、新旧の対応を返す';
