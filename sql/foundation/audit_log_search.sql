-- Operation-log search (D2): POST /rpc/search_audit_log for the operator
-- and the Ministry; personal values are shown to the operator only.

-- Whether the caller may see personal values in the audit log: the operator.
CREATE OR REPLACE FUNCTION app.sees_personal_audit_values()
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT current_user IN ('operator_admin', 'operator_staff') $$;

-- POST /rpc/search_audit_log: operation-log search (D2) for the operator and
-- the Ministry, by actor (login id), organisation, action (prefix), target
-- record (kind and id), time range, request id and outcome; reads of
-- personal data are entries like any other (`read.…`). Newest first, or
-- oldest first; paged by offset or by keyset (the last row's `at` and `id`
-- as cursor_at / cursor_id: the next page starts after it), so a page deep
-- in ten years of entries costs what the first does. CSV as every SETOF
-- function (Accept: text/csv). The search itself is logged. Personal values
-- in the entries (a patient's record id: app.audit_personal_keys) are shown
-- to the operator only; searched values were never stored
-- (app.audit_value_hash).
--
-- Only the filters given go into the query, so that each search is
-- planned for its own filters and uses the index of its filter
-- (sql/foundation/migrations/0006_audit_log_partitions.sql). Planning a
-- query over ten years of month partitions costs more than running it, so
-- each combination of filters is prepared once per database session (a
-- prepared statement named after the combination) with a generic plan:
-- the months outside the time range are skipped when it runs.
-- One row of api.search_audit_log: an entry as the caller may see it. (A
-- named type: the CSV handler of sql/foundation/csv_output.sql needs one.)
CREATE TYPE api.audit_log_row AS (
  id bigint, at timestamptz, request_id text, actor_account_id bigint, actor_login_id text, actor_role text,
  actor_organisation_id bigint, action text, outcome text, target_kind text, target_id text, detail jsonb,
  api_token_id bigint);

CREATE OR REPLACE FUNCTION api.search_audit_log(
  "from" timestamptz DEFAULT NULL, "to" timestamptz DEFAULT NULL, actor_login_id text DEFAULT NULL,
  action text DEFAULT NULL, target_kind text DEFAULT NULL, target_id text DEFAULT NULL,
  request_id text DEFAULT NULL, "limit" integer DEFAULT 100, "offset" integer DEFAULT 0,
  organisation_id bigint DEFAULT NULL, outcome text DEFAULT NULL,
  oldest_first boolean DEFAULT false, cursor_at timestamptz DEFAULT NULL, cursor_id bigint DEFAULT NULL)
RETURNS SETOF api.audit_log_row
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  direction text := CASE WHEN coalesce(oldest_first, false) THEN 'ASC' ELSE 'DESC' END;
  q text := 'SELECT l.* FROM app.audit_log l WHERE true';
  page_size integer := least(greatest(coalesce("limit", 100), 1), 1000);
  shown integer;
  shape text;
BEGIN
  IF outcome IS NOT NULL AND outcome NOT IN ('success', 'failure', 'refused') THEN
    PERFORM app.raise('22023', 'E_AUDIT_OUTCOME', '結果は success、failure、refused のいずれかです。');
  END IF;
  IF (cursor_at IS NULL) <> (cursor_id IS NULL) THEN
    PERFORM app.raise('22023', 'E_AUDIT_CURSOR', '続きの位置は日時とIDの両方で指定してください。');
  END IF;
  IF "from" IS NOT NULL THEN q := q || ' AND l.at >= $1'; END IF;
  IF "to" IS NOT NULL THEN q := q || ' AND l.at < $2'; END IF;
  IF actor_login_id IS NOT NULL THEN q := q || ' AND l.actor_login_id = $3'; END IF;
  IF action IS NOT NULL THEN
    -- a prefix: LIKE's wildcards in it are taken literally
    q := q || ' AND l.action LIKE replace(replace(replace($4, ''\'', ''\\''), ''%'', ''\%''), ''_'', ''\_'') || ''%''';
  END IF;
  IF target_kind IS NOT NULL THEN q := q || ' AND l.target_kind = $5'; END IF;
  IF target_id IS NOT NULL THEN q := q || ' AND l.target_id = $6'; END IF;
  IF request_id IS NOT NULL THEN q := q || ' AND l.request_id = $7'; END IF;
  IF organisation_id IS NOT NULL THEN q := q || ' AND l.actor_organisation_id = $8'; END IF;
  IF outcome IS NOT NULL THEN q := q || ' AND l.outcome = $9'; END IF;
  IF cursor_at IS NOT NULL THEN
    q := q || CASE direction WHEN 'ASC' THEN ' AND (l.at, l.id) > ($10, $11)' ELSE ' AND (l.at, l.id) < ($10, $11)' END;
    -- (the cursor's month bounds the partitions too)
    q := q || CASE direction WHEN 'ASC' THEN ' AND l.at >= $10' ELSE ' AND l.at <= $10' END;
  END IF;
  q := q || format(' ORDER BY l.at %s, l.id %s LIMIT $12 OFFSET $13', direction, direction);

  shape := 'nanbyo_audit_search_' || md5(q);
  IF NOT EXISTS (SELECT FROM pg_prepared_statements ps WHERE ps.name = shape) THEN
    EXECUTE format('PREPARE %I (timestamptz, timestamptz, text, text, text, text, text, bigint, text, timestamptz, '
                   'bigint, integer, integer) AS ', shape) ||
    'SELECT p.id, p.at, p.request_id, p.actor_account_id, p.actor_login_id, p.actor_role,
            p.actor_organisation_id, p.action, p.outcome, p.target_kind,
            CASE WHEN p.target_kind = ''patient'' AND NOT app.sees_personal_audit_values() THEN ''＊＊＊''
                 ELSE p.target_id END,
            CASE WHEN app.sees_personal_audit_values() THEN p.detail
                 ELSE (SELECT coalesce(jsonb_object_agg(d.key, CASE WHEN d.key = ANY (app.audit_personal_keys())
                                                                  THEN ''"＊＊＊"''::jsonb ELSE d.value END), ''{}'')
                         FROM jsonb_each(p.detail) d) END,
            p.api_token_id
       FROM (' || q || ') p';
  END IF;
  RETURN QUERY EXECUTE format('EXECUTE %I (%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L)', shape,
    "from", "to", actor_login_id, action, target_kind, target_id, request_id, organisation_id, outcome,
    cursor_at, cursor_id, page_size, greatest(coalesce("offset", 0), 0));
  GET DIAGNOSTICS shown = ROW_COUNT;
  PERFORM app.audit_read('audit_log', 'audit_log', ARRAY[]::text[],
    jsonb_strip_nulls(jsonb_build_object('from', "from", 'to', "to", 'actor_login_id', actor_login_id,
      'action', action, 'target_kind', target_kind, 'target_id', target_id, 'request_id', request_id,
      'organisation_id', organisation_id, 'outcome', outcome, 'oldest_first', oldest_first,
      'cursor_at', cursor_at, 'cursor_id', cursor_id, 'rows', shown)));
END
$$;
COMMENT ON FUNCTION api.search_audit_log(timestamptz, timestamptz, text, text, text, text, text, integer, integer,
                                         bigint, text, boolean, timestamptz, bigint) IS
  '操作ログ検索（運営主体・厚生労働省）: 利用者、組織、操作、対象、期間、リクエストID、結果で検索';
