-- Paper forms keyed by contractors (C4): the operator assigns scans.

-- POST /rpc/assign_scans {"contractor_organisation_id", "hospital_id",
-- "scans", "paper_scan_ids"} (operator, C4): gives a contractor scans of a
-- hospital's paper forms to key in: scans delivered outside the system by
-- name (`scans`), and scans municipalities uploaded (`paper_scan_ids`,
-- sql/bulk_import/paper_scans.sql) once the operator has downloaded them,
-- each to one contractor, named PS-<id> in the contractor's XML. Answers
-- how many were new and the names to key them under.
CREATE OR REPLACE FUNCTION api.assign_scans(contractor_organisation_id bigint, hospital_id bigint,
                                            scans text[] DEFAULT NULL, paper_scan_ids bigint[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  added integer;
  added_paper integer := 0;
  scan app.paper_scans;
  taken app.scan_assignments;
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
  IF coalesce(cardinality(scans), 0) + coalesce(cardinality(paper_scan_ids), 0) = 0
     OR coalesce(cardinality(scans), 0) + coalesce(cardinality(paper_scan_ids), 0) > 10000
     OR EXISTS (SELECT FROM unnest(scans) s WHERE s IS NULL OR length(btrim(s)) NOT BETWEEN 1 AND 200
                                               -- (the names of uploaded scans are theirs)
                                               OR btrim(s) ~ '^PS-[0-9]+$')
     OR EXISTS (SELECT FROM unnest(paper_scan_ids) i WHERE i IS NULL) THEN
    PERFORM app.raise('22023', 'E_SCANS_INVALID',
      'スキャンの名前（「PS-番号」以外、各200文字以内）か登録済みスキャンのIDを、合わせて1〜10,000件指定してください。');
  END IF;
  -- the uploaded scans: downloaded by the operator, and not given to anyone else
  FOR scan IN SELECT * FROM app.paper_scans s WHERE s.id = ANY (paper_scan_ids) ORDER BY s.id FOR UPDATE LOOP
    SELECT * INTO taken FROM app.scan_assignments sa WHERE sa.paper_scan_id = scan.id;
    IF FOUND AND (taken.contractor_organisation_id <> contractor_organisation_id OR taken.hospital_id <> hospital_id) THEN
      PERFORM app.raise('55000', 'E_PAPER_SCAN_ASSIGNED',
        format('スキャン %s は既に別の入力依頼に割り当てられています。', app.paper_scan_reference(scan.id)));
    END IF;
    IF NOT FOUND AND scan.status <> 'downloaded' THEN
      PERFORM app.raise('55000', 'E_PAPER_SCAN_STATUS',
        app.paper_scan_status_problem(scan, 'downloaded', '入力を依頼できます（先に取得して内容を確かめてください）'));
    END IF;
  END LOOP;
  IF (SELECT count(*) FROM app.paper_scans s WHERE s.id = ANY (paper_scan_ids))
     <> (SELECT count(DISTINCT i) FROM unnest(paper_scan_ids) i) THEN
    PERFORM app.raise('P0002', 'E_PAPER_SCAN_NOT_FOUND', 'スキャンが見つかりません。');
  END IF;
  INSERT INTO app.scan_assignments (contractor_organisation_id, hospital_id, scan, assigned_by)
  SELECT DISTINCT contractor_organisation_id, hospital_id, btrim(s), me.id FROM unnest(scans) s
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  IF cardinality(paper_scan_ids) > 0 THEN
    INSERT INTO app.scan_assignments (contractor_organisation_id, hospital_id, scan, assigned_by, paper_scan_id)
    SELECT contractor_organisation_id, hospital_id, app.paper_scan_reference(i), me.id, i
      FROM (SELECT DISTINCT i FROM unnest(paper_scan_ids) i) ids
     WHERE NOT EXISTS (SELECT FROM app.scan_assignments sa WHERE sa.paper_scan_id = ids.i);
    GET DIAGNOSTICS added_paper = ROW_COUNT;
  END IF;
  PERFORM app.audit('scan.assign', 'success', 'organisation', contractor_organisation_id::text,
                    jsonb_build_object('hospital_id', hospital_id, 'scans', coalesce(cardinality(scans), 0),
                                       'paper_scan_ids', coalesce(to_jsonb(paper_scan_ids), '[]'),
                                       'added', added + added_paper));
  RETURN jsonb_build_object('contractor_organisation_id', contractor_organisation_id, 'hospital_id', hospital_id,
                            'assigned', added + added_paper,
                            'references', coalesce((SELECT jsonb_agg(DISTINCT app.paper_scan_reference(i))
                                                      FROM unnest(paper_scan_ids) i), '[]'));
END
$$;
COMMENT ON FUNCTION api.assign_scans(bigint, bigint, text[], bigint[]) IS
  'スキャン（紙の票）の入力依頼（運営主体→外部委託事業者）: 名前で、または自治体が登録したスキャンのIDで';
