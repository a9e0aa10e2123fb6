-- Small-cell protection (D1; reused by the research extraction, D3): which
-- cells of a set of published count tables are shown to everyone but the
-- operator, and which are suppressed (秘匿).
--
-- THE CONTRACT (keep it stable: wt/research and stats.refresh call it)
--
--   app.suppress_cells(cells jsonb)
--     RETURNS TABLE (cell text, value bigint, suppressed boolean, primary_suppressed boolean)
--
--   cells: a JSON array of {"cell": "<id>", "value": <count ≥ 0>,
--          "relations": ["<relation id>", ...]}
--     - "cell" identifies one published figure. A figure published in two
--       tables (a shared margin: e.g. the number of forms of one disease,
--       the row total of both the disease × age and the disease × sex
--       table) MUST have ONE id, so it is suppressed identically in both.
--     - "relations" names every linear relation the cell takes part in: a
--       relation is a set of published cells bound by one equation an
--       outsider knows (a row with its row total, a column with its column
--       total, the totals row with the grand total, the bodies of one
--       prefecture with that prefecture's cell ...). Each relation lists
--       ALL its cells, the total included. Signs do not matter.
--   returns one row per input cell: suppressed = the figure must not be
--   shown outside the operator; primary_suppressed = it is 1–9 itself
--   (the others were suppressed to protect one).
--
--   The rule:
--     1. primary: every cell with a value from 1 to app.small_cell_limit()
--        (9) is suppressed; 0 is shown.
--     2. complementary, repeated until nothing changes: every relation
--        with exactly one suppressed cell gets a second one suppressed,
--        its smallest non-zero cell (ties: the smallest id). Shared
--        margins are one cell, so they are suppressed in every table.
--   Guarantee (checked before returning; E_SUPPRESSION_FAILED otherwise):
--   in every relation the number of suppressed cells is 0 or ≥ 2, so no
--   relation reveals a suppressed figure by subtraction, and every
--   suppressed cell is ≥ 1 (docs/statistics.md: what this proves).
--
--   Bulk callers (stats.refresh) fill the two temporary tables
--   suppression_cells / suppression_members themselves (app.suppression_
--   prepare()) and call app.suppress_prepared_cells(): the same rule
--   without JSON.

-- The largest count that is never shown outside the operator.
CREATE OR REPLACE FUNCTION app.small_cell_limit()
RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 9 $$;

-- Empty work tables of this transaction (temporary, dropped at commit).
CREATE OR REPLACE FUNCTION app.suppression_prepare()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS suppression_cells (
    cell                text PRIMARY KEY,
    value               bigint NOT NULL CHECK (value >= 0),
    suppressed          boolean NOT NULL DEFAULT false,
    primary_suppressed  boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS suppression_members (
    relation  text NOT NULL,
    cell      text NOT NULL,
    PRIMARY KEY (relation, cell)
  ) ON COMMIT DROP;
  TRUNCATE suppression_cells, suppression_members;
END
$$;

-- The rule above on the prepared work tables; returns how many cells it
-- suppressed. Raises E_SUPPRESSION_FAILED when a relation names a cell
-- that is not given or when the rule cannot protect a relation (its
-- equation does not hold).
CREATE OR REPLACE FUNCTION app.suppress_prepared_cells()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  changed bigint;
  bad text;
BEGIN
  SELECT m.cell INTO bad FROM suppression_members m
   WHERE NOT EXISTS (SELECT FROM suppression_cells c WHERE c.cell = m.cell) LIMIT 1;
  IF bad IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_SUPPRESSION_FAILED',
      format('秘匿処理の入力に誤りがあります（関係式のセル %s がありません）。', bad));
  END IF;
  ANALYZE suppression_cells;
  ANALYZE suppression_members;

  UPDATE suppression_cells SET suppressed = true, primary_suppressed = true
   WHERE value BETWEEN 1 AND app.small_cell_limit();

  LOOP
    WITH lonely AS (
      SELECT m.relation
        FROM suppression_members m JOIN suppression_cells c ON c.cell = m.cell
       GROUP BY m.relation
      HAVING count(*) FILTER (WHERE c.suppressed) = 1),
    pick AS (
      SELECT DISTINCT ON (l.relation) c.cell
        FROM lonely l
        JOIN suppression_members m ON m.relation = l.relation
        JOIN suppression_cells c ON c.cell = m.cell
       WHERE NOT c.suppressed AND c.value > 0
       ORDER BY l.relation, c.value, c.cell)
    UPDATE suppression_cells c SET suppressed = true
      FROM pick WHERE c.cell = pick.cell AND NOT c.suppressed;
    GET DIAGNOSTICS changed = ROW_COUNT;
    EXIT WHEN changed = 0;
  END LOOP;

  SELECT m.relation INTO bad
    FROM suppression_members m JOIN suppression_cells c ON c.cell = m.cell
   GROUP BY m.relation
  HAVING count(*) FILTER (WHERE c.suppressed) = 1
   LIMIT 1;
  IF bad IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_SUPPRESSION_FAILED',
      format('秘匿処理ができません（関係式 %s の合計が合いません）。', bad));
  END IF;
  RETURN (SELECT count(*) FROM suppression_cells WHERE suppressed);
END
$$;

CREATE OR REPLACE FUNCTION app.suppress_cells(cells jsonb)
RETURNS TABLE (cell text, value bigint, suppressed boolean, primary_suppressed boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(cells) IS DISTINCT FROM 'array' THEN
    PERFORM app.raise('22023', 'E_SUPPRESSION_FAILED', '秘匿処理の入力はセルの配列です。');
  END IF;
  PERFORM app.suppression_prepare();
  INSERT INTO suppression_cells (cell, value)
  SELECT e ->> 'cell', (e ->> 'value')::bigint FROM jsonb_array_elements(cells) e;
  INSERT INTO suppression_members (relation, cell)
  SELECT DISTINCT r, e ->> 'cell'
    FROM jsonb_array_elements(cells) e
   CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(e -> 'relations', '[]')) r;
  PERFORM app.suppress_prepared_cells();
  RETURN QUERY SELECT s.cell, s.value, s.suppressed, s.primary_suppressed FROM suppression_cells s ORDER BY s.cell;
END
$$;
COMMENT ON FUNCTION app.suppress_cells(jsonb) IS
  '小さい数の秘匿（1〜9の一次秘匿と、行・列・合計・表をまたぐ周辺度数から逆算されないための二次秘匿）: 入力はセル（値と関係式）の配列';
