-- POST /rpc/form_layout {"form_version_id"} (everyone who reads forms,
-- issue #18): a form version laid out for a client to render: its items by
-- section with the shared blocks expanded and every code with its Japanese
-- label, the derived values, the items the server fills in, and the
-- published criteria (nanbyo.form_layout). Master data: no audit row.
CREATE OR REPLACE FUNCTION api.form_layout(form_version_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v app.form_versions;
BEGIN
  SELECT * INTO v FROM app.form_versions x WHERE x.id = form_layout.form_version_id;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_FORM_VERSION_NOT_FOUND', format('様式（ID %s）が見つかりません。', form_version_id));
  END IF;
  RETURN jsonb_build_object('form_version_id', v.id, 'online_until', v.online_until)
         || nanbyo.form_layout(v.definition);
END
$$;
COMMENT ON FUNCTION api.form_layout(bigint) IS
  '様式の画面表示用の構成（共通ブロックを展開した項目、コードと名称、自動計算項目、基準の出典）';
