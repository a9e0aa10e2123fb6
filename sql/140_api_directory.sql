-- Reading organisations, accounts and the audit log. These run as the
-- caller, so row-level security (policies/) decides what each role sees.

-- Record that the caller read these rows (E3). The only audit entry an API
-- role can write itself: actions are always `read.<what>`.
CREATE OR REPLACE FUNCTION app.audit_read(what text, target_kind text, target_ids text[], detail jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT app.audit('read.' || what, 'success', target_kind,
                   NULL, coalesce(detail, '{}') || jsonb_build_object('ids', to_jsonb(target_ids)))
$$;

-- GET/POST/PATCH /organisations: the organisation master (D4). Everyone who
-- works with forms reads it; the operator admin maintains it.
CREATE OR REPLACE VIEW api.organisations
WITH (security_invoker = true) AS
SELECT id, kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman,
       nanbyo_authority_id, shoman_authority_id, created_at, updated_at
  FROM app.organisations;
COMMENT ON VIEW api.organisations IS '組織マスタ（自治体・医療機関・運営主体・厚生労働省・外部委託事業者）';

-- Changes to the master are account actions too.
CREATE OR REPLACE FUNCTION app.organisations_audit()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
  PERFORM app.audit('organisation.' || lower(TG_OP), 'success', 'organisation', NEW.id::text,
    jsonb_build_object('code', NEW.code, 'name', NEW.name, 'kind', NEW.kind));
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS organisations_audit ON app.organisations;
CREATE TRIGGER organisations_audit AFTER INSERT OR UPDATE ON app.organisations
  FOR EACH ROW EXECUTE FUNCTION app.organisations_audit();

-- `text` as a literal ILIKE pattern matching anywhere.
CREATE OR REPLACE FUNCTION app.contains_pattern(text text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog
AS $$ SELECT '%' || replace(replace(replace(text, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;

-- One row of api.list_accounts. (A named type, not RETURNS TABLE: the CSV
-- handler of sql/280 needs a type to cast the rows to.)
DO $$
BEGIN
  IF to_regtype('api.account_row') IS NULL THEN
    CREATE TYPE api.account_row AS (
      id bigint, login_id text, role text, organisation_id bigint, organisation_name text,
      name text, name_kana text, email text, is_hospital_admin boolean,
      program text, doctor_kind text, medical_registry_number text, designated_doctor_number text,
      designation_expires_on date, locked boolean, enrolled boolean, last_login_at timestamptz,
      issued_by_organisation_id bigint, deleted_at timestamptz, deletion_reason text, created_at timestamptz);
  END IF;
END
$$;

-- POST /rpc/list_accounts: the accounts the caller may see, filtered and
-- paged. A function rather than a view so that every read is audit-logged.
DROP FUNCTION IF EXISTS api.list_accounts(bigint, text, text, boolean, integer, integer);
CREATE OR REPLACE FUNCTION api.list_accounts(
  organisation_id bigint DEFAULT NULL, role text DEFAULT NULL, search text DEFAULT NULL,
  include_deleted boolean DEFAULT false, "limit" integer DEFAULT 100, "offset" integer DEFAULT 0)
RETURNS SETOF api.account_row
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH page AS MATERIALIZED (
    SELECT a.id, a.login_id, a.role, a.organisation_id, o.name AS organisation_name, a.name, a.name_kana,
           a.email, a.is_hospital_admin, a.program, a.doctor_kind, a.medical_registry_number,
           a.designated_doctor_number, a.designation_expires_on, app.account_locked_until(a.id) IS NOT NULL AS locked,
           a.enrolled, a.last_login_at, a.issued_by_organisation_id, a.deleted_at, a.deletion_reason,
           a.created_at
      FROM app.accounts a
      LEFT JOIN app.organisations o ON o.id = a.organisation_id
     WHERE (list_accounts.organisation_id IS NULL OR a.organisation_id = list_accounts.organisation_id)
       AND (list_accounts.role IS NULL OR a.role = list_accounts.role)
       AND (list_accounts.include_deleted OR a.deleted_at IS NULL)
       AND (list_accounts.search IS NULL
            OR a.login_id ILIKE app.contains_pattern(list_accounts.search)
            OR a.name ILIKE app.contains_pattern(list_accounts.search)
            OR a.name_kana ILIKE app.contains_pattern(list_accounts.search))
     ORDER BY a.id
     LIMIT least(greatest(coalesce(list_accounts."limit", 100), 1), 1000)
     OFFSET greatest(coalesce(list_accounts."offset", 0), 0)),
  logged AS MATERIALIZED (
    SELECT app.audit_read('accounts', 'account', array_agg(page.id::text ORDER BY page.id),
                          jsonb_strip_nulls(jsonb_build_object('search', app.audit_value_hash(list_accounts.search))))
                            AS done
      FROM page)
  SELECT page.* FROM page CROSS JOIN logged
$$;
COMMENT ON FUNCTION api.list_accounts(bigint, text, text, boolean, integer, integer) IS
  'ユーザIDの一覧・検索（見える範囲は利用者区分による）';

-- Whether the caller may see personal values in the audit log: the operator.
CREATE OR REPLACE FUNCTION app.sees_personal_audit_values()
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog
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
                      FROM jsonb_each(page.detail) d) END
    FROM page CROSS JOIN logged ORDER BY page.at DESC, page.id DESC
$$;
COMMENT ON FUNCTION api.search_audit_log(timestamptz, timestamptz, text, text, text, text, text, integer, integer) IS
  '操作ログ検索（運営主体・厚生労働省）';
