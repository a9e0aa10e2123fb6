-- The nightly statistics (D1): stats.refresh() counts every confirmed form
-- into the fixed set of tables of app.statistics_tables(), suppresses
-- small cells over the whole set at once (app.suppress_prepared_cells,
-- sql/statistics/suppression.sql) and replaces the published figures.
--
-- One transaction: the new figures are built in temporary tables and
-- written over the old ones only when everything succeeded; readers see the
-- old figures until the commit (MVCC). A failure rolls the rebuild back
-- (a subtransaction), so the previous figures stay, and the run is recorded
-- as failed with the reason. Only one refresh at a time (an advisory lock;
-- a second one is refused with 409 E_STATISTICS_RUNNING).

CREATE OR REPLACE FUNCTION app.statistics_lock_key()
RETURNS bigint
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 7310200001::bigint $$;

-- Rebuilds the figures; returns what it counted. Raises on any problem
-- (the caller keeps the old figures then).
CREATE OR REPLACE FUNCTION app.statistics_rebuild(run_id bigint,
                                                  OUT forms_counted bigint, OUT cells bigint, OUT suppressed_cells bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
  bad text;
BEGIN
  -- 1. The counted forms: every form the doctor confirmed (status past
  --    draft), with the dimensions the tables count; no patient leaves
  --    this function (temporary tables, dropped at commit).
  DROP TABLE IF EXISTS stats_base, stats_figures, stats_rows, stats_columns, stats_grid;
  CREATE TEMP TABLE stats_base ON COMMIT DROP AS
  SELECT f.fiscal_year, f.program, f.disease_code AS disease,
         app.age_band(app.age_at_fiscal_year_start(p.birth_date, f.fiscal_year)) AS age_band,
         p.sex,
         coalesce(body.prefecture_code, '00') AS prefecture,
         coalesce(body.code, 'none') AS body,
         f.entry_channel AS channel,
         coalesce(c.outcome, 'undecided') AS outcome,
         CASE WHEN c.outcome IN ('granted', 'refused')
              THEN CASE WHEN f.judgment ->> 'primary_judgment' IN ('meets', 'does_not_meet')
                        THEN f.judgment ->> 'primary_judgment' ELSE 'needs_review' END || '_' || c.outcome
              ELSE 'undecided' END AS agreement,
         CASE f.judgment #>> '{severity,met}' WHEN 'true' THEN 'met' WHEN 'false' THEN 'not_met'
              ELSE 'unknown' END AS severity,
         CASE WHEN f.carried_over_from IS NULL THEN 'fresh' ELSE 'carried_over' END AS carry_over
    FROM app.forms f
    JOIN app.patients p ON p.id = f.patient_id
    JOIN app.organisations h ON h.id = f.hospital_id
    -- the implementing body: the one that took the form over, or else the
    -- body of the hospital for the program (the one a patient applies to)
    LEFT JOIN app.organisations body ON body.id = coalesce(f.municipality_id,
           CASE f.program WHEN 'nanbyo' THEN h.nanbyo_authority_id ELSE h.shoman_authority_id END)
    LEFT JOIN app.certifications c ON c.form_id = f.id
   WHERE f.status <> 'draft';
  forms_counted := (SELECT count(*) FROM stats_base);

  -- 2. Every published figure once, named by the dimensions it fixes
  --    (disease first, then age band, sex, ...): the disease margin
  --    'disease=N006' is one figure in every table that shows it.
  CREATE TEMP TABLE stats_figures ON COMMIT DROP AS
  SELECT fiscal_year, program,
         fiscal_year || '|' || program || '|' || concat_ws(';', 'disease=' || disease, 'age_band=' || age_band,
           'sex=' || sex, 'prefecture=' || prefecture, 'body=' || body, 'channel=' || channel,
           'outcome=' || outcome, 'agreement=' || agreement, 'severity=' || severity,
           'carry_over=' || carry_over) AS cell_id,
         count(*) AS value
    FROM stats_base
   GROUP BY fiscal_year, program, GROUPING SETS (
     (disease, age_band), (disease, sex), (disease, prefecture), (disease, body), (disease, channel),
     (disease, outcome), (disease, agreement), (disease, severity), (disease, carry_over), (disease),
     (age_band, sex), (age_band), (sex), (prefecture), (body), (channel), (outcome), (agreement),
     (severity), (carry_over), ());
  CREATE INDEX ON stats_figures (cell_id);

  -- 3. The rows and columns of each table (zeros included: a category
  --    with no form is shown as 0).
  CREATE TEMP TABLE stats_rows ON COMMIT DROP AS
  SELECT y.fiscal_year, y.program, t.code AS table_code, r.key, r.label, r.position
    FROM (SELECT DISTINCT fiscal_year, program FROM stats_base) y
   CROSS JOIN app.statistics_tables() t
   CROSS JOIN LATERAL (
     SELECT d.disease AS key, coalesce(dm.name, d.disease) AS label,
            row_number() OVER (ORDER BY d.disease)::integer AS position
       FROM (SELECT DISTINCT b.disease FROM stats_base b
              WHERE b.fiscal_year = y.fiscal_year AND b.program = y.program) d
       LEFT JOIN app.diseases dm ON dm.disease_code = d.disease
      WHERE t.row_dimension = 'disease'
     UNION ALL
     SELECT c.code, c.label, c.position FROM app.statistics_categories() c
      WHERE t.row_dimension = 'age_band' AND c.dimension = 'age_band'
     UNION ALL
     SELECT '*', '合計', 1000000) r;

  CREATE TEMP TABLE stats_columns ON COMMIT DROP AS
  WITH sexes AS (
    -- the patient block's sex codes, as api.vocabulary lists them (the newest form version's)
    SELECT s ->> 'code' AS code, s ->> 'label' AS label
      FROM (SELECT v.definition FROM app.form_versions v ORDER BY v.effective_from DESC, v.id DESC LIMIT 1) v
     CROSS JOIN LATERAL jsonb_array_elements(nanbyo.data_dictionary(v.definition)) d
     CROSS JOIN LATERAL jsonb_array_elements(d -> 'codes') s
     WHERE d ->> 'item_id' = 'patient_sex'),
  programs AS (SELECT DISTINCT program FROM stats_base)
  SELECT pr.program, c.dimension, c.code AS key, c.label, c.position, NULL::text AS prefecture_code
    FROM programs pr CROSS JOIN app.statistics_categories() c
  UNION ALL
  SELECT pr.program, 'sex', x.code, x.label, row_number() OVER (PARTITION BY pr.program ORDER BY x.code)::integer, NULL
    FROM programs pr
   CROSS JOIN (SELECT code, label FROM sexes
               UNION SELECT DISTINCT sex, sex FROM stats_base WHERE sex NOT IN (SELECT code FROM sexes)) x
  UNION ALL
  SELECT pr.program, 'prefecture', x.code, app.prefecture_name(x.code), x.code::integer, x.code
    FROM programs pr
   CROSS JOIN (SELECT lpad(n::text, 2, '0') AS code FROM generate_series(1, 47) n
               UNION SELECT '00' WHERE EXISTS (SELECT FROM stats_base WHERE prefecture = '00')) x
  UNION ALL
  SELECT x.program, 'body', x.code, x.name,
         row_number() OVER (PARTITION BY x.program ORDER BY x.prefecture_code, x.code)::integer, x.prefecture_code
    FROM (SELECT pr.program, o.code, o.name, o.prefecture_code
            FROM programs pr JOIN app.organisations o ON o.kind = 'municipality'
             AND (pr.program = 'nanbyo' AND o.runs_nanbyo OR pr.program = 'shoman' AND o.runs_shoman)
          UNION
          SELECT DISTINCT b.program, b.body, coalesce(o.name, '不明'), b.prefecture
            FROM stats_base b LEFT JOIN app.organisations o ON o.kind = 'municipality' AND o.code = b.body) x
  UNION ALL
  SELECT pr.program, d.dimension, '*', '合計', 1000000, NULL
    FROM programs pr CROSS JOIN (SELECT DISTINCT column_dimension AS dimension FROM app.statistics_tables()) d;

  -- 4. The grid: every cell of every table, with its figure.
  CREATE TEMP TABLE stats_grid ON COMMIT DROP AS
  SELECT g.*, coalesce(f.value, 0) AS value
    FROM (SELECT r.fiscal_year, r.program, r.table_code, r.key AS row_key, r.label AS row_label,
                 r.position AS row_position, c.key AS column_key, c.label AS column_label,
                 c.position AS column_position, c.prefecture_code,
                 r.fiscal_year || '|' || r.program || '|'
                   || concat_ws(';', CASE WHEN r.key <> '*' THEN t.row_dimension || '=' || r.key END,
                                     CASE WHEN c.key <> '*' THEN t.column_dimension || '=' || c.key END) AS cell_id
            FROM stats_rows r
            JOIN app.statistics_tables() t ON t.code = r.table_code
            JOIN stats_columns c ON c.program = r.program AND c.dimension = t.column_dimension) g
    LEFT JOIN stats_figures f ON f.cell_id = g.cell_id;

  -- 5. Suppression over the whole set: the cells, and every relation an
  --    outsider knows between the published figures.
  PERFORM app.suppression_prepare();
  -- (a 0 is never suppressed and never hides another: only the other cells go in)
  INSERT INTO suppression_cells (cell, value)
  SELECT cell_id, min(value) FROM stats_grid WHERE value > 0 GROUP BY cell_id;
  SELECT cell_id INTO bad FROM stats_grid GROUP BY cell_id HAVING count(DISTINCT value) > 1 LIMIT 1;
  IF bad IS NOT NULL THEN
    PERFORM app.raise('XX000', 'E_STATISTICS_INCONSISTENT', format('集計表の間で同じ数が食い違っています（%s）。', bad));
  END IF;
  INSERT INTO suppression_members (relation, cell)
  -- each row of each table, with its row total
  SELECT 'row|' || fiscal_year || '|' || program || '|' || table_code || '|' || row_key, cell_id
    FROM stats_grid WHERE value > 0
  UNION ALL
  -- each column, with its column total
  SELECT 'column|' || fiscal_year || '|' || program || '|' || table_code || '|' || column_key, cell_id
    FROM stats_grid WHERE value > 0
  UNION ALL
  -- the bodies of a prefecture add up to the prefecture (per disease and in total)
  SELECT 'prefecture_bodies|' || fiscal_year || '|' || program || '|' || row_key || '|' || prefecture_code, cell_id
    FROM stats_grid WHERE value > 0 AND table_code IN ('prefecture', 'body') AND column_key <> '*'
  UNION ALL
  -- the review outcome and the judgment × outcome tables count the same decisions
  SELECT 'outcome_agreement|' || fiscal_year || '|' || program || '|' || row_key || '|'
           || CASE WHEN column_key IN ('granted', 'meets_granted', 'does_not_meet_granted', 'needs_review_granted') THEN 'granted'
                   WHEN column_key IN ('refused', 'meets_refused', 'does_not_meet_refused', 'needs_review_refused') THEN 'refused'
                   ELSE 'undecided' END, cell_id
    FROM stats_grid WHERE value > 0 AND table_code IN ('outcome', 'agreement') AND column_key <> '*';
  suppressed_cells := app.suppress_prepared_cells();

  -- 6. Replace the published figures.
  DELETE FROM stats.cells;
  INSERT INTO stats.cells (fiscal_year, program, table_code, row_key, row_label, row_position, column_key,
                           column_label, column_position, prefecture_code, value, suppressed, primary_suppressed,
                           cell_id, run_id)
  SELECT g.fiscal_year, g.program, g.table_code, g.row_key, g.row_label, g.row_position, g.column_key,
         g.column_label, g.column_position, g.prefecture_code, g.value, coalesce(s.suppressed, false),
         coalesce(s.primary_suppressed, false), g.cell_id, run_id
    FROM stats_grid g LEFT JOIN suppression_cells s ON s.cell = g.cell_id;
  GET DIAGNOSTICS cells = ROW_COUNT;
END
$$;

-- Runs a refresh and records it (trigger: 'schedule' pg_cron, 'operator'
-- the API, 'sql' an analyst or a test). Returns the run; a failed run is
-- returned (and kept) too, with its reason.
CREATE OR REPLACE FUNCTION stats.refresh(trigger text DEFAULT 'sql', requested_by bigint DEFAULT NULL)
RETURNS stats.runs
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  run stats.runs;
  counted record;
  state text;
  message text;
  detail text;
  caught record;
BEGIN
  IF NOT pg_try_advisory_xact_lock(app.statistics_lock_key()) THEN
    PERFORM app.raise('55000', 'E_STATISTICS_RUNNING',
      '統計の集計を実行中です。終わってから、もう一度実行してください。');
  END IF;
  INSERT INTO stats.runs (trigger, requested_by, started_at, status)
  VALUES (refresh.trigger, refresh.requested_by, clock_timestamp(), 'running')
  RETURNING * INTO run;
  BEGIN
    SELECT * INTO counted FROM app.statistics_rebuild(run.id);
    UPDATE stats.runs r SET status = 'succeeded', finished_at = clock_timestamp(),
           forms_counted = counted.forms_counted, cells = counted.cells, suppressed_cells = counted.suppressed_cells
     WHERE r.id = run.id RETURNING * INTO run;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    SELECT * INTO caught FROM app.caught_error(state, message, detail);
    UPDATE stats.runs r SET status = 'failed', finished_at = clock_timestamp(),
           error_code = CASE WHEN caught.code ~ '^E_[A-Z_]+$' THEN caught.code ELSE 'E_STATISTICS_FAILED' END,
           error_message = format('統計の集計に失敗しました。前回の集計結果をそのまま公開しています。（%s: %s）',
                                  caught.sqlstate, caught.message_ja)
     WHERE r.id = run.id RETURNING * INTO run;
  END;
  RETURN run;
END
$$;
COMMENT ON FUNCTION stats.refresh(text, bigint) IS '統計の集計をやり直す（1トランザクション。失敗したら前回の結果を残し、理由を記録する）';

-- pg_cron: every night at 02:30 JST (17:30 UTC; pg_cron 1.4 runs in UTC).
DO $$ BEGIN
  PERFORM cron.schedule('nanbyo-statistics-nightly', '30 17 * * *', 'SELECT stats.refresh(''schedule'')');
END $$;
