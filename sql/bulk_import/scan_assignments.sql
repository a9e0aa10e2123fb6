-- Paper forms keyed by contractors (C4): the operator assigns scans.

-- POST /rpc/assign_scans {"contractor_organisation_id", "hospital_id", "scans"}
-- (operator, C4): gives a contractor scans of a hospital's paper forms to
-- key in. Answers how many were new.
CREATE OR REPLACE FUNCTION api.assign_scans(contractor_organisation_id bigint, hospital_id bigint, scans text[])
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  added integer;
BEGIN
  IF me.role NOT IN ('operator_admin', 'operator_staff') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', 'スキャンの入力依頼は運営主体が行います。');
  END IF;
  IF NOT EXISTS (SELECT FROM app.organisations o WHERE o.id = contractor_organisation_id AND o.kind = 'contractor') THEN
    PERFORM app.raise('P0002', 'E_ORGANISATION_NOT_FOUND', '外部委託事業者が見つかりません。');
  END IF;
  IF NOT EXISTS (SELECT FROM app.organisations o WHERE o.id = hospital_id AND o.kind = 'hospital') THEN
    PERFORM app.raise('P0002', 'E_ORGANISATION_NOT_FOUND', '医療機関が見つかりません。');
  END IF;
  IF scans IS NULL OR cardinality(scans) = 0 OR cardinality(scans) > 10000
     OR EXISTS (SELECT FROM unnest(scans) s WHERE s IS NULL OR length(btrim(s)) NOT BETWEEN 1 AND 200) THEN
    PERFORM app.raise('22023', 'E_SCANS_INVALID', 'スキャンの名前を1〜10,000件、各200文字以内で指定してください。');
  END IF;
  INSERT INTO app.scan_assignments (contractor_organisation_id, hospital_id, scan, assigned_by)
  SELECT DISTINCT contractor_organisation_id, hospital_id, btrim(s), me.id FROM unnest(scans) s
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  PERFORM app.audit('scan.assign', 'success', 'organisation', contractor_organisation_id::text,
                    jsonb_build_object('hospital_id', hospital_id, 'scans', cardinality(scans), 'added', added));
  RETURN jsonb_build_object('contractor_organisation_id', contractor_organisation_id, 'hospital_id', hospital_id,
                            'assigned', added);
END
$$;
COMMENT ON FUNCTION api.assign_scans(bigint, bigint, text[]) IS 'スキャン（紙の票）の入力依頼（運営主体→外部委託事業者）';
