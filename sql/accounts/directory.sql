-- The account directory: POST /rpc/list_accounts (reads are audit-logged).

-- `text` as a literal ILIKE pattern matching anywhere.
CREATE OR REPLACE FUNCTION app.contains_pattern(text text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT '%' || replace(replace(replace(text, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;

-- One row of api.list_accounts. (A named type, not RETURNS TABLE: the CSV
-- handler of sql/foundation/csv_output.sql needs a type to cast the rows to.)
CREATE TYPE api.account_row AS (
  id bigint, login_id text, role text, organisation_id bigint, organisation_name text,
  name text, name_kana text, email text, is_hospital_admin boolean,
  program text, doctor_kind text, medical_registry_number text, designated_doctor_number text,
  designation_expires_on date, locked boolean, enrolled boolean, last_login_at timestamptz,
  issued_by_organisation_id bigint, deleted_at timestamptz, deletion_reason text, created_at timestamptz);
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
