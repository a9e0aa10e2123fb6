-- Research requests (D3, issue #20 item 3): a researcher asks for
-- pseudonymised records; the operator's staff enter the request on the
-- researcher's behalf (researchers have no account), the operator admin
-- approves or rejects it, the nightly job runs the approved ones
-- (sql/research/extraction.sql).
--
--   submitted → approved | rejected;  approved → running → done | failed
--
-- POST /rpc/submit_research_request   operator staff and admin
-- POST /rpc/approve_research_request  operator admin (linked / NDB linkage
--                                     granted here, only if asked for)
-- POST /rpc/reject_research_request   operator admin, with the reason
-- GET|POST /rpc/research_requests     operator staff and admin
-- Every change is audited (research.submit / approve / reject).

-- The caller, if an operator (staff or admin).
CREATE OR REPLACE FUNCTION app.research_operator(admin_only boolean)
RETURNS app.accounts
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
BEGIN
  IF admin_only AND me.role IS DISTINCT FROM 'operator_admin' THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '研究利用の申出を承認・却下できるのは運営主体の管理者です。');
  END IF;
  IF me.role IS NULL OR me.role NOT IN ('operator_admin', 'operator_staff') THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '研究利用の申出を扱えるのは運営主体の職員です。');
  END IF;
  RETURN me;
END
$$;

-- A request as the API shows it.
CREATE OR REPLACE FUNCTION app.research_request_document(r app.research_requests)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'researcher_name', r.researcher_name, 'researcher_affiliation', r.researcher_affiliation,
    'purpose', r.purpose, 'program', r.program, 'disease_codes', to_jsonb(r.disease_codes),
    'fiscal_years', to_jsonb(r.fiscal_years), 'items', to_jsonb(r.items), 'linked_to', r.linked_to,
    'ndb_linkage', r.ndb_linkage, 'link_approved', r.link_approved, 'ndb_linkage_approved', r.ndb_linkage_approved,
    'state', r.state,
    'submitted_by', (SELECT a.login_id FROM app.accounts a WHERE a.id = r.submitted_by), 'submitted_at', r.submitted_at,
    'decided_by', (SELECT a.login_id FROM app.accounts a WHERE a.id = r.decided_by), 'decided_at', r.decided_at,
    'decision_note', r.decision_note, 'started_at', r.started_at, 'finished_at', r.finished_at,
    'failure', r.failure, 'row_count', r.row_count)
$$;

-- POST /rpc/submit_research_request: a new request (state submitted).
CREATE OR REPLACE FUNCTION api.submit_research_request(
  researcher_name text, researcher_affiliation text, purpose text, program text, disease_codes text[],
  fiscal_years integer[], items text[] DEFAULT '{}', linked_to bigint DEFAULT NULL, ndb_linkage boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.research_operator(false);
  r app.research_requests;
  bad text;
BEGIN
  IF nullif(btrim(researcher_name), '') IS NULL OR nullif(btrim(researcher_affiliation), '') IS NULL
     OR nullif(btrim(purpose), '') IS NULL THEN
    PERFORM app.raise('22023', 'E_RESEARCH_FIELD_REQUIRED', '研究者の氏名・所属と利用目的を入力してください。');
  END IF;
  IF length(researcher_name) > 100 OR length(researcher_affiliation) > 200 OR length(purpose) > 2000 THEN
    PERFORM app.raise('22023', 'E_RESEARCH_FIELD_TOO_LONG', '氏名は100文字、所属は200文字、利用目的は2000文字までです。');
  END IF;
  IF NOT EXISTS (SELECT FROM app.programs p WHERE p.code = program) THEN
    PERFORM app.raise('22023', 'E_PROGRAM', format('制度「%s」はありません。', program));
  END IF;
  IF coalesce(cardinality(disease_codes), 0) = 0 OR cardinality(disease_codes) > 100 THEN
    PERFORM app.raise('22023', 'E_RESEARCH_DISEASES', '疾病を1〜100件選んでください。');
  END IF;
  SELECT string_agg(c, '、') INTO bad FROM unnest(disease_codes) c
   WHERE NOT EXISTS (SELECT FROM app.diseases d WHERE d.disease_code = c AND d.program = program);
  IF bad IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_UNKNOWN_DISEASE', format('この制度の疾病にないコードです: %s', bad));
  END IF;
  IF coalesce(cardinality(fiscal_years), 0) = 0 OR cardinality(fiscal_years) > 20
     OR EXISTS (SELECT FROM unnest(fiscal_years) y WHERE y IS NULL OR y NOT BETWEEN 2000 AND 2200) THEN
    PERFORM app.raise('22023', 'E_FISCAL_YEAR', '年度を1〜20件、2000〜2200の範囲で選んでください。');
  END IF;
  IF cardinality(items) > 500 OR EXISTS (SELECT FROM unnest(items) i WHERE i IS NULL) THEN
    PERFORM app.raise('22023', 'E_RESEARCH_ITEM_REFUSED', '項目は500件までです。');
  END IF;
  SELECT string_agg(format('%s（%s）', i.item_id,
                           app.research_item_refusal_label(coalesce(d.refusal, 'unknown'))), '、' ORDER BY i.n)
    INTO bad
    FROM unnest(items) WITH ORDINALITY AS i (item_id, n)
    LEFT JOIN app.research_items(program, disease_codes) d ON d.item_id = i.item_id
   WHERE d.item_id IS NULL OR d.refusal IS NOT NULL;
  IF bad IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_RESEARCH_ITEM_REFUSED', format('研究利用に提供できない項目です: %s', bad));
  END IF;
  IF linked_to IS NOT NULL AND NOT EXISTS (SELECT FROM app.research_requests x WHERE x.id = linked_to) THEN
    PERFORM app.raise('22023', 'E_RESEARCH_LINK_UNKNOWN', format('連結する申出 %s がありません。', linked_to));
  END IF;
  INSERT INTO app.research_requests AS x (researcher_name, researcher_affiliation, purpose, program, disease_codes,
                                          fiscal_years, items, linked_to, ndb_linkage, submitted_by)
  VALUES (btrim(researcher_name), btrim(researcher_affiliation), btrim(purpose), program,
          ARRAY(SELECT DISTINCT c FROM unnest(disease_codes) c ORDER BY c),
          ARRAY(SELECT DISTINCT y FROM unnest(fiscal_years) y ORDER BY y),
          ARRAY(SELECT i FROM unnest(items) WITH ORDINALITY AS u (i, n) GROUP BY i ORDER BY min(n)),
          linked_to, coalesce(ndb_linkage, false), me.id)
  RETURNING * INTO r;
  PERFORM app.audit('research.submit', 'success', 'research_request', r.id::text, jsonb_build_object(
    'program', r.program, 'disease_codes', r.disease_codes, 'fiscal_years', r.fiscal_years, 'items', r.items,
    'linked_to', r.linked_to, 'ndb_linkage', r.ndb_linkage));
  RETURN app.research_request_document(r);
END
$$;
COMMENT ON FUNCTION api.submit_research_request(text, text, text, text, text[], integer[], text[], bigint, boolean) IS
  '研究利用の申出の登録（運営主体の職員が研究者に代わって入力）: 研究者・目的・制度・疾病・年度・項目（個人情報・自由記載の項目は不可）';

-- A submitted request, locked, or the error refusing it.
CREATE OR REPLACE FUNCTION app.research_request_to_decide(request_id bigint)
RETURNS app.research_requests
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r app.research_requests;
BEGIN
  SELECT * INTO r FROM app.research_requests x WHERE x.id = request_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_RESEARCH_REQUEST_NOT_FOUND', '研究利用の申出が見つかりません。');
  END IF;
  IF r.state <> 'submitted' THEN
    PERFORM app.raise('55000', 'E_RESEARCH_REQUEST_STATE', '受付中の申出だけを承認・却下できます。');
  END IF;
  RETURN r;
END
$$;

-- POST /rpc/approve_research_request {request_id, linked, ndb_linkage, note}:
-- the admin approves; linked = share the pseudonyms of the request it links
-- to (its key), ndb_linkage = add the NDB linkage id column; each only if
-- the request asked for it. The key is made here.
CREATE OR REPLACE FUNCTION api.approve_research_request(request_id bigint, linked boolean DEFAULT false,
                                                        ndb_linkage boolean DEFAULT false, note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.research_operator(true);
  r app.research_requests := app.research_request_to_decide(request_id);
  parent_key bytea;
BEGIN
  IF coalesce(linked, false) THEN
    IF r.linked_to IS NULL THEN
      PERFORM app.raise('22023', 'E_RESEARCH_NOT_LINKED', 'この申出は他の申出との連結を求めていません。');
    END IF;
    SELECT k.key INTO parent_key FROM app.research_keys k WHERE k.request_id = r.linked_to;
    IF parent_key IS NULL THEN
      PERFORM app.raise('55000', 'E_RESEARCH_LINK_NOT_APPROVED', '連結する申出がまだ承認されていません。');
    END IF;
  END IF;
  IF coalesce(ndb_linkage, false) AND NOT r.ndb_linkage THEN
    PERFORM app.raise('22023', 'E_RESEARCH_NDB_NOT_REQUESTED', 'この申出はNDBとの連結を求めていません。');
  END IF;
  IF length(note) > 2000 THEN
    PERFORM app.raise('22023', 'E_RESEARCH_FIELD_TOO_LONG', '備考は2000文字までです。');
  END IF;
  UPDATE app.research_requests x
     SET state = 'approved', link_approved = coalesce(linked, false), ndb_linkage_approved = coalesce(ndb_linkage, false),
         decided_by = me.id, decided_at = now(), decision_note = nullif(btrim(note), ''), updated_at = now()
   WHERE x.id = r.id
  RETURNING * INTO r;
  INSERT INTO app.research_keys (request_id, key) VALUES (r.id, coalesce(parent_key, app.research_new_key()));
  PERFORM app.audit('research.approve', 'success', 'research_request', r.id::text, jsonb_build_object(
    'linked', r.link_approved, 'linked_to', CASE WHEN r.link_approved THEN r.linked_to END,
    'ndb_linkage', r.ndb_linkage_approved));
  RETURN app.research_request_document(r);
END
$$;
COMMENT ON FUNCTION api.approve_research_request(bigint, boolean, boolean, text) IS
  '研究利用の申出の承認（運営主体の管理者）: 連結（同じ仮名）・NDB連結は申出にあり、ここで認めたときだけ';

-- POST /rpc/reject_research_request {request_id, reason}: the admin rejects.
CREATE OR REPLACE FUNCTION api.reject_research_request(request_id bigint, reason text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.research_operator(true);
  r app.research_requests := app.research_request_to_decide(request_id);
BEGIN
  IF nullif(btrim(reason), '') IS NULL THEN
    PERFORM app.raise('22023', 'E_RESEARCH_REASON_REQUIRED', '却下の理由を入力してください。');
  END IF;
  IF length(reason) > 2000 THEN
    PERFORM app.raise('22023', 'E_RESEARCH_FIELD_TOO_LONG', '理由は2000文字までです。');
  END IF;
  UPDATE app.research_requests x
     SET state = 'rejected', decided_by = me.id, decided_at = now(), decision_note = btrim(reason), updated_at = now()
   WHERE x.id = r.id
  RETURNING * INTO r;
  PERFORM app.audit('research.reject', 'success', 'research_request', r.id::text,
                    jsonb_build_object('reason', r.decision_note));
  RETURN app.research_request_document(r);
END
$$;
COMMENT ON FUNCTION api.reject_research_request(bigint, text) IS '研究利用の申出の却下（運営主体の管理者、理由を付けて）';

-- GET|POST /rpc/research_requests {state}: every request, newest first.
CREATE OR REPLACE FUNCTION api.research_requests(state text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.research_operator(false);
BEGIN
  RETURN coalesce((SELECT jsonb_agg(app.research_request_document(r) ORDER BY r.id DESC)
                     FROM app.research_requests r WHERE state IS NULL OR r.state = state), '[]');
END
$$;
COMMENT ON FUNCTION api.research_requests(text) IS '研究利用の申出の一覧（運営主体）: 状態・件数・失敗の理由';

-- The states of a request, in order (app.research_requests.state).
CREATE OR REPLACE FUNCTION app.research_request_states()
RETURNS TABLE (code text, label text, "position" integer)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  VALUES ('submitted', '受付', 1), ('approved', '承認（実行待ち）', 2), ('rejected', '却下', 3),
         ('running', '実行中', 4), ('done', '完了', 5), ('failed', '失敗', 6)
$$;
