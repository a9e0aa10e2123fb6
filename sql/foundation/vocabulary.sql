-- GET /rpc/vocabulary (everyone, logged in or not): every code a user is
-- shown, with its Japanese label, from the one vocabulary of the database
-- (the reference tables of the foundation and accounts baselines), so that
-- a client shows 更新 where the data says `renewal` and never keeps a list
-- of its own. The patient's sex codes are the patient block's of the form
-- master (the same list every form and the patient register check against).
-- Master data only: no personal data, no audit row.
-- The statuses of a paper form's scan (C4; app.paper_scans.status, its
-- CHECK in sql/bulk_import/migrations/0002_paper_scans.sql), in order.
CREATE OR REPLACE FUNCTION app.paper_scan_statuses()
RETURNS TABLE (code text, label text, "position" integer)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  VALUES ('uploaded', 'アップロード済み', 1), ('downloaded', '運営主体が取得済み', 2), ('keyed', '入力済み', 3),
         ('done', '完了', 4)
$$;

CREATE OR REPLACE FUNCTION api.vocabulary()
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'programs', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja, 'law_code', law_code) ORDER BY law_code DESC)
                   FROM app.programs),
    'form_purposes', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY code)
                        FROM app.form_purposes),
    'form_statuses', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja, 'position', position)
                                       ORDER BY position) FROM app.form_statuses),
    'form_status_transitions', (SELECT jsonb_agg(jsonb_build_object('from', from_status, 'to', to_status, 'action', action_ja)
                                                 ORDER BY from_status, to_status) FROM app.form_status_transitions),
    'primary_judgments', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY code)
                            FROM app.primary_judgments),
    'review_results', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY code)
                         FROM app.review_results),
    'organisation_kinds', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY code)
                             FROM app.organisation_kinds),
    'roles', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja, 'organisation_kind', organisation_kind)
                               ORDER BY organisation_kind, code) FROM app.roles),
    'api_token_scopes', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY code)
                           FROM app.api_token_scopes),
    -- the audit log's outcomes and actions (sql/foundation/audit_vocabulary.sql)
    'audit_outcomes', app.audit_outcome_labels(),
    'audit_actions', app.audit_action_labels(),
    -- accounts.doctor_kind (its CHECK in the accounts baseline)
    'doctor_kinds', jsonb_build_array(jsonb_build_object('code', 'designated', 'label', '難病指定医・小慢指定医'),
                                      jsonb_build_object('code', 'cooperating', 'label', '協力難病指定医')),
    -- app.secondary_hospitals.status (its CHECK in the accounts baseline)
    'secondary_hospital_statuses', jsonb_build_array(
      jsonb_build_object('code', 'applied', 'label', '申請中'), jsonb_build_object('code', 'approved', 'label', '承認'),
      jsonb_build_object('code', 'rejected', 'label', '却下'), jsonb_build_object('code', 'withdrawn', 'label', '取下げ・終了')),
    -- why a user id was deleted (accounts.deletion_reason, its CHECK in the accounts baseline)
    'deletion_reasons', jsonb_build_array(
      jsonb_build_object('code', 'resigned', 'label', '退職'), jsonb_build_object('code', 'moved', 'label', '転出'),
      jsonb_build_object('code', 'stopped_using', 'label', '利用終了'), jsonb_build_object('code', 'mistaken', 'label', '誤登録'),
      jsonb_build_object('code', 'kind_switch', 'label', '区分変更')),
    -- a bulk upload's result per form (sql/bulk_import/import.sql)
    'import_results', jsonb_build_array(
      jsonb_build_object('code', 'accepted', 'label', '受付'), jsonb_build_object('code', 'rejected', 'label', '不受理'),
      jsonb_build_object('code', 'duplicate', 'label', '重複（登録済み）')),
    -- which part of a form a history entry changed (app.form_history.part)
    'form_history_parts', jsonb_build_array(
      jsonb_build_object('code', 'personal', 'label', '個人情報'), jsonb_build_object('code', 'clinical', 'label', '臨床情報'),
      jsonb_build_object('code', 'certification', 'label', '認定結果'),
      jsonb_build_object('code', 'research_consent', 'label', '研究利用への同意')),
    -- the certification decision (C2, sql/municipality/migrations/0001_certifications.sql)
    'income_tiers', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY position)
                       FROM app.income_tiers),
    'special_cases', (SELECT jsonb_agg(jsonb_build_object('code', code, 'program', program, 'label', label_ja)
                                       ORDER BY program, position) FROM app.special_cases),
    'refusal_reasons', (SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label_ja) ORDER BY position)
                          FROM app.refusal_reasons),
    'monthly_caps', (SELECT jsonb_agg(jsonb_build_object('program', c.program, 'income_tier', c.income_tier,
                                                         'special_case', c.special_case, 'cap_yen', c.cap_yen)
                                      ORDER BY c.program, t.position, c.special_case)
                       FROM app.monthly_caps c JOIN app.income_tiers t ON t.code = c.income_tier),
    'admin_box_items', (SELECT jsonb_agg(jsonb_build_object('code', item_id, 'label', label_ja, 'value_type', value_type,
                                                            'max_length', max_length, 'on_masked_print', on_masked_print)
                                         ORDER BY position) FROM app.admin_box_items),
    -- a paper form's scan (C4, sql/bulk_import/paper_scans.sql)
    'paper_scan_statuses', (SELECT jsonb_agg(jsonb_build_object('code', s.code, 'label', s.label, 'position', s."position")
                                             ORDER BY s."position") FROM app.paper_scan_statuses() s),
    -- the implementing bodies' kinds (app.organisations.municipality_kind, its CHECK in the accounts baseline)
    'municipality_kinds', jsonb_build_array(
      jsonb_build_object('code', 'prefecture', 'label', '都道府県'), jsonb_build_object('code', 'designated_city', 'label', '指定都市'),
      jsonb_build_object('code', 'core_city', 'label', '中核市'), jsonb_build_object('code', 'child_guidance_city', 'label', '児童相談所設置市')),
    -- a hospital master import's result per row (sql/master/hospital_import.sql)
    'hospital_import_results', jsonb_build_array(
      jsonb_build_object('code', 'added', 'label', '追加'), jsonb_build_object('code', 'updated', 'label', '更新'),
      jsonb_build_object('code', 'unchanged', 'label', '変更なし')),
    -- a form version's state today (api.form_version_periods)
    'form_version_states', jsonb_build_array(
      jsonb_build_object('code', 'upcoming', 'label', '適用前'), jsonb_build_object('code', 'online', 'label', 'オンライン登録可'),
      jsonb_build_object('code', 'paper_only', 'label', '紙の様式のみ受付'), jsonb_build_object('code', 'closed', 'label', '受付終了')),
    -- what a master history row changed (app.master_history)
    'master_tables', jsonb_build_array(
      jsonb_build_object('code', 'organisations', 'label', '組織（実施主体・医療機関）'),
      jsonb_build_object('code', 'public_payer_numbers', 'label', '公費負担者番号'),
      jsonb_build_object('code', 'form_versions', 'label', '様式の版')),
    'master_history_actions', jsonb_build_array(
      jsonb_build_object('code', 'insert', 'label', '登録'), jsonb_build_object('code', 'update', 'label', '変更')),
    -- statistics (D1, sql/statistics/): how a form came in (app.forms.entry_channel), a cell's flag, a run's status
    'entry_channels', jsonb_build_array(
      jsonb_build_object('code', 'online', 'label', 'オンライン入力'), jsonb_build_object('code', 'xml', 'label', 'XML（医療機関システム）'),
      jsonb_build_object('code', 'paper', 'label', '紙の票')),
    'statistics_cell_flags', jsonb_build_array(jsonb_build_object('code', 'suppressed', 'label', '秘匿')),
    'statistics_run_statuses', jsonb_build_array(
      jsonb_build_object('code', 'running', 'label', '実行中'), jsonb_build_object('code', 'succeeded', 'label', '成功'),
      jsonb_build_object('code', 'failed', 'label', '失敗（前回の集計結果を公開中）')),
    'sexes', (SELECT d -> 'codes'
                FROM app.form_versions v
               CROSS JOIN LATERAL jsonb_array_elements(nanbyo.data_dictionary(v.definition)) d
               WHERE d ->> 'item_id' = 'patient_sex'
               ORDER BY v.effective_from DESC, v.id DESC LIMIT 1))
$$;
COMMENT ON FUNCTION api.vocabulary() IS '画面に出すコードとその名称（制度、申請区分、票の状態、一次判定、審査結果、利用者区分、階層区分、特例区分、不認定の理由、自己負担上限月額、行政記載欄の項目など）';
