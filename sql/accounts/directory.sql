-- The account directory: POST /rpc/list_accounts (reads are audit-logged).

-- `text` as a literal ILIKE pattern matching anywhere.
CREATE OR REPLACE FUNCTION app.contains_pattern(text text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT '%' || replace(replace(replace(text, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;

-- `text` as a literal LIKE pattern matching at the start (a kana prefix).
CREATE OR REPLACE FUNCTION app.prefix_pattern(text text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT replace(replace(replace(text, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;

-- One row of api.list_accounts. (A named type, not RETURNS TABLE: the CSV
-- handler of sql/foundation/csv_output.sql needs a type to cast the rows to.)
CREATE TYPE api.account_row AS (
  id bigint, login_id text, role text, organisation_id bigint, organisation_name text,
  name text, name_kana text, email text, is_hospital_admin boolean,
  program text, doctor_kind text, medical_registry_number text, designated_doctor_number text,
  designation_expires_on date, locked boolean, enrolled boolean, last_login_at timestamptz,
  issued_by_organisation_id bigint, deleted_at timestamptz, deletion_reason text, created_at timestamptz);
-- Complete: every account the caller may see that fits the arguments, so
-- that PostgREST's own filters, order, paging (?limit=, Range) and
-- Prefer: count=exact apply to the whole result and agree. "limit" and
-- "offset" are optional (no limit by default). POST only: the read is
-- audit-logged (the ids of every account the request could return), and
-- PostgREST runs GET read-only.
CREATE OR REPLACE FUNCTION api.list_accounts(
  organisation_id bigint DEFAULT NULL, role text DEFAULT NULL, search text DEFAULT NULL,
  include_deleted boolean DEFAULT false, "limit" integer DEFAULT NULL, "offset" integer DEFAULT 0)
RETURNS SETOF api.account_row
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found api.account_row[];
BEGIN
  SELECT coalesce(array_agg(r ORDER BY r.id), '{}') INTO found FROM (
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
     LIMIT CASE WHEN list_accounts."limit" IS NOT NULL THEN greatest(list_accounts."limit", 0) END  -- NULL: all
     OFFSET greatest(coalesce(list_accounts."offset", 0), 0)) r;
  -- logged even when nothing matched
  PERFORM app.audit_read('accounts', 'account', (SELECT coalesce(array_agg(x.id::text), '{}') FROM unnest(found) AS x),
                         jsonb_strip_nulls(jsonb_build_object('search', app.audit_value_hash(list_accounts.search),
                           'matched', cardinality(found))));
  -- (unnest of a row array in FROM yields its rows in array order)
  RETURN QUERY SELECT * FROM unnest(found);
END
$$;
COMMENT ON FUNCTION api.list_accounts(bigint, text, text, boolean, integer, integer) IS
  'ユーザIDの一覧・検索（見える範囲は利用者区分による）';
