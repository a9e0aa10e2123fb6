-- The audit log's codes with their Japanese labels (D2), for api.vocabulary
-- (sql/foundation/vocabulary.sql): the outcomes (the CHECK of
-- app.audit_log.outcome) and the actions the code writes. A reading of
-- personal data is `read.<what>`, labelled 閲覧: <what>. An action not
-- listed here (a new one) is shown with its code alone until it is added.
CREATE OR REPLACE FUNCTION app.audit_outcome_labels()
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_array(jsonb_build_object('code', 'success', 'label', '成功'),
                           jsonb_build_object('code', 'failure', 'label', '失敗'),
                           jsonb_build_object('code', 'refused', 'label', '拒否'))
$$;

CREATE OR REPLACE FUNCTION app.audit_action_labels()
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_agg(jsonb_build_object('code', code, 'label', label) ORDER BY code)
    FROM (VALUES
      ('access_key.lookup', 'アクセスキーによる照会'), ('account.bulk_issue', 'ユーザIDの一括発行'),
      ('account.change_password', 'パスワード変更'), ('account.delete', 'ユーザIDの削除'),
      ('account.enrol', '初回登録'), ('account.issue', 'ユーザIDの発行'),
      ('account.reissue_key', '暗号鍵の再発行'), ('account.reset_password', 'パスワードの初期化'),
      ('account.transfer_hospital_admin', '責任者権限の移譲'), ('account.unlock', 'ロックの解除'),
      ('account.update_designation', '指定医の有効期限の更新'),
      ('api_token.create', 'APIトークンの作成'), ('api_token.revoke', 'APIトークンの失効'),
      ('audit_log.verify', '操作ログの改ざん検査'),
      ('bulk.check', '一括登録の事前チェック'), ('bulk.import', '一括登録'),
      ('certification.import', '認定結果の一括取込'),
      ('disease.add', '疾病の追加'), ('disease.rename', '疾病名の変更'),
      ('disease.set_effective_until', '疾病の適用終了日の設定'),
      ('form.carry_over', '前回値踏襲'), ('form.certify', '認定結果の登録'), ('form.comment', 'コメント'),
      ('form.confirm', '票の確定'), ('form.correct', '票の補正'), ('form.create', '票の作成'),
      ('form.import', '票の取込'), ('form.register', '票の登録'),
      ('form.research_consent', '研究利用への同意の記録'),
      ('form.research_consent_withdraw', '研究利用への同意の撤回'),
      ('form.review', '審査結果の登録'), ('form.save', '票の保存'), ('form.take_over', '票の引受け'),
      ('login', 'ログイン'), ('logout', 'ログアウト'),
      ('master.form_version.online_until', '様式のオンライン受付終了日の設定'),
      ('master.form_version.publish', '様式の公開'), ('master.hospital_import', '医療機関マスタの取込'),
      ('master.payer_number.add', '公費負担者番号の追加'), ('master.payer_number.end', '公費負担者番号の終了'),
      ('organisation.change_code', '医療機関コードの変更'), ('organisation.insert', '組織の追加'),
      ('organisation.update', '組織の変更'), ('organisation.delete', '組織の削除'),
      ('paper_scan.done', '紙の票の処理完了'), ('paper_scan.download', '紙の票のダウンロード'),
      ('paper_scan.keyed', '紙の票の入力'), ('paper_scan.upload', '紙の票のアップロード'),
      ('patient.register', '患者の登録'), ('patient.update', '患者情報の更新'),
      ('request', '要求（拒否されたもの）'), ('scan.assign', '紙の票の割当て'),
      ('secondary_hospital.apply', '兼務先の申請'), ('secondary_hospital.approve', '兼務先の承認'),
      ('secondary_hospital.reject', '兼務先の却下'), ('secondary_hospital.withdraw', '兼務先の取下げ'),
      ('session.renew', 'セッションの延長'),
      ('read.access_key_slip', '閲覧: アクセスキー票'), ('read.accounts', '閲覧: ユーザID'),
      ('read.audit_log', '閲覧: 操作ログ'), ('read.certification_check', '閲覧: 認定のチェック'),
      ('read.form', '閲覧: 票'), ('read.form_export', '閲覧: 票の出力'), ('read.form_print', '閲覧: 票の印刷'),
      ('read.form_print_masked', '閲覧: 票のマスク印刷'), ('read.forms', '閲覧: 票の検索'),
      ('read.paper_scans', '閲覧: 紙の票'), ('read.patient', '閲覧: 患者'), ('read.patients', '閲覧: 患者の検索')
    ) v(code, label)
$$;
