-- POST /rpc/verify_audit_log (D2, E3): the operator and the Ministry check
-- that the audit log is as it was sealed. Seals what is not sealed yet
-- (the whole log, not only the last hour: app.seal_audit_log), walks the
-- hash chain (app.verify_audit_chain, sql/foundation/audit_chain.sql) and
-- answers the first broken link, or that every link is sound, with how
-- many entries were verified and how many are not sealed yet. The check
-- itself is logged (audit_log.verify, with its status).
CREATE OR REPLACE FUNCTION api.verify_audit_log()
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  started timestamptz := clock_timestamp();
  sealed bigint := app.seal_audit_log(whole_log => true);
  result jsonb := app.verify_audit_chain();
BEGIN
  result := result || jsonb_build_object('sealed_now', sealed,
    'duration_ms', round(extract(epoch FROM clock_timestamp() - started) * 1000));
  PERFORM app.audit('audit_log.verify', 'success', 'audit_log', NULL,
    jsonb_build_object('status', result ->> 'status', 'links', result -> 'links',
                       'first_break', result -> 'first_break'));
  RETURN result;
END
$$;
COMMENT ON FUNCTION api.verify_audit_log() IS '操作ログの改ざん検査（運営主体・厚生労働省）: ハッシュ連鎖を検証し、最初に壊れた箇所を示す';
