-- The statistics API (D1). Who reads what is decided here, in the
-- database, never by the client:
--   operator (admin, staff)         exact counts, with the flag saying which
--                                   ones are suppressed for everyone else;
--   Ministry, municipalities        the published figures: a suppressed
--                                   cell's value is null (flag suppressed,
--                                   label 秘匿 in api.vocabulary); every
--                                   body's figures (they are the protected
--                                   figures fit for publication);
--   hospitals, contractors          nothing (403 E_ROLE_NOT_ALLOWED).
-- The figures hold counts only: reading them is no read of personal data
-- and is not audit-logged; a refresh on demand is.

-- For SQL readers (analysts, under the same rules): the published figures;
-- the view's owner reads the table; the value of a
-- suppressed cell is not in it.
CREATE OR REPLACE VIEW stats.published_cells WITH (security_barrier) AS
  SELECT fiscal_year, program, table_code, row_key, row_label, row_position, column_key, column_label,
         column_position, prefecture_code, published AS value, suppressed
    FROM stats.cells;
COMMENT ON VIEW stats.published_cells IS '公開用の統計表（秘匿したセルは値なし）';

-- Whether the caller sees exact counts (true) or the published ones
-- (false); refuses every other role.
CREATE OR REPLACE FUNCTION app.statistics_sees_exact()
RETURNS boolean
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
BEGIN
  IF me.role IN ('operator_admin', 'operator_staff') THEN
    RETURN true;
  ELSIF me.role IN ('ministry_admin', 'ministry_staff', 'municipality_admin', 'municipality_staff') THEN
    RETURN false;
  END IF;
  PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '統計を見られるのは運営主体・厚生労働省・自治体の利用者です。');
  RETURN NULL;
END
$$;

-- One cell of a published table as the caller may see it (row_key /
-- column_key '*': the total; value null when suppressed outside the operator).
CREATE TYPE api.statistics_cell AS (
  fiscal_year integer, program text, table_code text, row_key text, row_label text, row_position integer,
  column_key text, column_label text, column_position integer, value bigint, suppressed boolean);

CREATE OR REPLACE FUNCTION api.statistics(year integer DEFAULT NULL, program_code text DEFAULT NULL,
                                          statistics_table text DEFAULT NULL, disease text DEFAULT NULL,
                                          prefecture text DEFAULT NULL, body text DEFAULT NULL)
RETURNS SETOF api.statistics_cell
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  exact boolean := app.statistics_sees_exact();
  want_year integer := statistics.year;
  want_program text := statistics.program_code;
  want_table text := statistics.statistics_table;
  want_disease text := statistics.disease;
  want_prefecture text := statistics.prefecture;
  want_body text := statistics.body;
BEGIN
  RETURN QUERY
  SELECT c.fiscal_year, c.program, c.table_code, c.row_key, c.row_label, c.row_position, c.column_key,
         c.column_label, c.column_position,
         CASE WHEN exact THEN c.value ELSE c.published END, c.suppressed
    FROM stats.cells c
    JOIN app.statistics_tables() t ON t.code = c.table_code
   WHERE (want_year IS NULL OR c.fiscal_year = want_year)
     AND (want_program IS NULL OR c.program = want_program)
     AND (want_table IS NULL OR c.table_code = want_table)
     -- a disease: its row of the disease tables (the tables by age and sex have no disease)
     AND (want_disease IS NULL OR t.row_dimension = 'disease' AND c.row_key = want_disease)
     -- a prefecture or a body: its columns of the tables by prefecture and by body
     AND (want_prefecture IS NULL OR c.table_code IN ('prefecture', 'body') AND c.prefecture_code = want_prefecture)
     AND (want_body IS NULL OR c.table_code = 'body' AND c.column_key = want_body)
   ORDER BY c.fiscal_year, c.program, t.position, c.row_position, c.row_key, c.column_position, c.column_key;
END
$$;
COMMENT ON FUNCTION api.statistics(integer, text, text, text, text, text) IS
  '統計表（年度・制度・表・疾病・都道府県・実施主体で絞り込み。CSVも可）: 運営主体には正確な件数、それ以外には1〜9件と、そこから逆算できるセルを秘匿（値なし・suppressed）した件数';

-- What there is to choose from: the tables, the fiscal years and programs
-- counted, the last successful refresh.
CREATE OR REPLACE FUNCTION api.statistics_catalog()
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  exact boolean := app.statistics_sees_exact();
BEGIN
  RETURN jsonb_build_object(
    'exact', exact,
    'tables', (SELECT jsonb_agg(jsonb_build_object('code', t.code, 'label', t.label, 'row_dimension', t.row_dimension,
                                                   'column_dimension', t.column_dimension) ORDER BY t.position)
                 FROM app.statistics_tables() t),
    'years', coalesce((SELECT jsonb_agg(jsonb_build_object('fiscal_year', y.fiscal_year, 'program', y.program)
                                        ORDER BY y.fiscal_year DESC, y.program)
                         FROM (SELECT DISTINCT c.fiscal_year, c.program FROM stats.cells c) y), '[]'),
    'refreshed_at', (SELECT max(r.finished_at) FROM stats.runs r WHERE r.status = 'succeeded'));
END
$$;
COMMENT ON FUNCTION api.statistics_catalog() IS '統計で選べるもの（表・年度と制度）と最後に集計した日時';

-- The refresh runs, newest first (operator).
CREATE TYPE api.statistics_run AS (
  id bigint, trigger text, requested_by_login_id text, started_at timestamptz, finished_at timestamptz,
  duration_ms numeric, status text, error_code text, error_message text, forms_counted bigint, cells bigint,
  suppressed_cells bigint);
CREATE OR REPLACE FUNCTION api.statistics_runs(max_rows integer DEFAULT 50)
RETURNS SETOF api.statistics_run
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT app.statistics_sees_exact() THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '統計の集計記録を見られるのは運営主体です。');
  END IF;
  RETURN QUERY
  SELECT r.id, r.trigger, a.login_id, r.started_at, r.finished_at, r.duration_ms, r.status, r.error_code,
         r.error_message, r.forms_counted, r.cells, r.suppressed_cells
    FROM stats.runs r LEFT JOIN app.accounts a ON a.id = r.requested_by
   ORDER BY r.started_at DESC, r.id DESC
   LIMIT greatest(least(coalesce(max_rows, 50), 1000), 1);
END
$$;
COMMENT ON FUNCTION api.statistics_runs(integer) IS '統計の集計の実行記録（新しい順。運営主体）';

-- Refresh now (operator admin): the same run as the nightly job. 409
-- E_STATISTICS_RUNNING while another refresh runs; a failed run is answered
-- (status failed, with its reason) and the previous figures stay.
CREATE OR REPLACE FUNCTION api.refresh_statistics()
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.caller();
  run stats.runs;
BEGIN
  IF me.role IS DISTINCT FROM 'operator_admin' THEN
    PERFORM app.raise('42501', 'E_ROLE_NOT_ALLOWED', '統計の再集計ができるのは運営主体の管理者です。');
  END IF;
  run := stats.refresh('operator', me.id);
  PERFORM app.audit('statistics.refresh', CASE run.status WHEN 'succeeded' THEN 'success' ELSE 'failure' END,
                    'statistics_run', run.id::text,
                    jsonb_strip_nulls(jsonb_build_object('status', run.status, 'error_code', run.error_code,
                                                         'cells', run.cells)));
  RETURN jsonb_build_object('id', run.id, 'status', run.status, 'started_at', run.started_at,
                            'finished_at', run.finished_at, 'duration_ms', run.duration_ms,
                            'error_code', run.error_code, 'error_message', run.error_message,
                            'forms_counted', run.forms_counted, 'cells', run.cells,
                            'suppressed_cells', run.suppressed_cells);
END
$$;
COMMENT ON FUNCTION api.refresh_statistics() IS '統計を今すぐ再集計する（運営主体の管理者。実行中なら409。失敗しても前回の集計結果は残る）';
