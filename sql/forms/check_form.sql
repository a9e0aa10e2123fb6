-- POST /rpc/check_form {"form_version_id", "data"} (who enters or corrects
-- forms, issue #18): the input check and machine judgment of data as it is
-- typed, exactly as saving it would judge it (nanbyo.judge): findings per
-- item, derived values, which conditional items apply, the primary
-- judgment and the empty items keeping it unknown. Stateless and read-only:
-- nothing stored is read but the form version, nothing is written, no
-- audit row (no personal data is read). The same size limits as a save.
CREATE OR REPLACE FUNCTION api.check_form(form_version_id bigint, data jsonb)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF form_version_id IS NULL THEN
    PERFORM app.raise('22023', 'E_FORM_VERSION_REQUIRED', '様式（form_version_id）を指定してください。');
  END IF;
  -- (an unknown version is the extension's E_FORM_VERSION_NOT_FOUND, 404)
  RETURN nanbyo.judge(form_version_id, app.require_object(coalesce(data, '{}')));
END
$$;
COMMENT ON FUNCTION api.check_form(bigint, jsonb) IS
  '入力中の票の入力チェックと機械判定（保存しない・記録を読まない）';
