-- Operation-log search (D2): POST /rpc/search_audit_log for the operator
-- and the Ministry; personal values are shown to the operator only.

-- Whether the caller may see personal values in the audit log: the operator.
CREATE OR REPLACE FUNCTION app.sees_personal_audit_values()
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT current_user IN ('operator_admin', 'operator_staff') $$;

-- POST /rpc/search_audit_log: operation-log search (D2) for the operator and
-- the Ministry. The search itself is logged. Personal values in the entries
-- (a patient's record id: app.audit_personal_keys) are shown to the operator
-- only; searched values were never stored (app.audit_value_hash).
CREATE OR REPLACE FUNCTION api.search_audit_log(
  "from" timestamptz DEFAULT NULL, "to" timestamptz DEFAULT NULL, actor_login_id text DEFAULT NULL,
  action text DEFAULT NULL, target_kind text DEFAULT NULL, target_id text DEFAULT NULL,
  request_id text DEFAULT NULL, "limit" integer DEFAULT 100, "offset" integer DEFAULT 0)
RETURNS SETOF app.audit_log
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH page AS MATERIALIZED (
    SELECT l.* FROM app.audit_log l
     WHERE (search_audit_log."from" IS NULL OR l.at >= search_audit_log."from")
       AND (search_audit_log."to" IS NULL OR l.at < search_audit_log."to")
       AND (search_audit_log.actor_login_id IS NULL OR l.actor_login_id = search_audit_log.actor_login_id)
       AND (search_audit_log.action IS NULL OR l.action LIKE search_audit_log.action || '%')
       AND (search_audit_log.target_kind IS NULL OR l.target_kind = search_audit_log.target_kind)
       AND (search_audit_log.target_id IS NULL OR l.target_id = search_audit_log.target_id)
       AND (search_audit_log.request_id IS NULL OR l.request_id = search_audit_log.request_id)
     ORDER BY l.at DESC, l.id DESC
     LIMIT least(greatest(coalesce(search_audit_log."limit", 100), 1), 1000)
     OFFSET greatest(coalesce(search_audit_log."offset", 0), 0)),
  logged AS MATERIALIZED (
    SELECT app.audit_read('audit_log', 'audit_log', ARRAY[]::text[],
      jsonb_strip_nulls(jsonb_build_object('from', search_audit_log."from", 'to', search_audit_log."to",
        'actor_login_id', search_audit_log.actor_login_id, 'action', search_audit_log.action,
        'target_kind', search_audit_log.target_kind, 'target_id', search_audit_log.target_id,
        'rows', (SELECT count(*) FROM page)))) AS done)
  SELECT page.id, page.at, page.request_id, page.actor_account_id, page.actor_login_id, page.actor_role,
         page.actor_organisation_id, page.action, page.outcome, page.target_kind,
         CASE WHEN page.target_kind = 'patient' AND NOT app.sees_personal_audit_values() THEN '＊＊＊'
              ELSE page.target_id END,
         CASE WHEN app.sees_personal_audit_values() THEN page.detail
              ELSE (SELECT coalesce(jsonb_object_agg(d.key, CASE WHEN d.key = ANY (app.audit_personal_keys())
                                                               THEN '"＊＊＊"'::jsonb ELSE d.value END), '{}')
                      FROM jsonb_each(page.detail) d) END,
         page.api_token_id
    FROM page CROSS JOIN logged ORDER BY page.at DESC, page.id DESC
$$;
COMMENT ON FUNCTION api.search_audit_log(timestamptz, timestamptz, text, text, text, text, text, integer, integer) IS
  '操作ログ検索（運営主体・厚生労働省）';
