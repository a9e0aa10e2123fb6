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
--     - a cell of value 0 may be left out (with its memberships): a 0 is
--       never suppressed and never picked to protect another cell.
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
    cell      text NOT NULL
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
SET client_min_messages = warning
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

  -- 1. primary
  UPDATE suppression_cells SET suppressed = true, primary_suppressed = true
   WHERE value BETWEEN 1 AND app.small_cell_limit();

  -- 2. complementary, on integer keys, keeping per relation the number of
  --    its suppressed cells up to date (each round touches only what the
  --    last one changed)
  DROP TABLE IF EXISTS sc_cell, sc_relation, sc_member, sc_count, sc_new;
  CREATE TEMP TABLE sc_cell ON COMMIT DROP AS
  SELECT row_number() OVER (ORDER BY cell) AS id, cell, value, suppressed FROM suppression_cells;
  ALTER TABLE sc_cell ADD PRIMARY KEY (id);
  CREATE TEMP TABLE sc_relation ON COMMIT DROP AS
  SELECT row_number() OVER (ORDER BY relation) AS id, relation FROM (SELECT DISTINCT relation FROM suppression_members) r;
  CREATE TEMP TABLE sc_member ON COMMIT DROP AS
  SELECT DISTINCT r.id AS rel, c.id AS cell
    FROM suppression_members m JOIN sc_relation r ON r.relation = m.relation JOIN sc_cell c ON c.cell = m.cell;
  CREATE INDEX ON sc_member (rel);
  CREATE INDEX ON sc_member (cell);
  CREATE TEMP TABLE sc_count ON COMMIT DROP AS
  SELECT m.rel, count(*) FILTER (WHERE c.suppressed) AS n
    FROM sc_member m JOIN sc_cell c ON c.id = m.cell GROUP BY m.rel;
  ALTER TABLE sc_count ADD PRIMARY KEY (rel);
  CREATE TEMP TABLE sc_new (id bigint PRIMARY KEY) ON COMMIT DROP;
  ANALYZE sc_cell; ANALYZE sc_member; ANALYZE sc_count;

  LOOP
    TRUNCATE sc_new;
    WITH pick AS (
      SELECT DISTINCT ON (k.rel) c.id
        FROM sc_count k
        JOIN sc_member m ON m.rel = k.rel
        JOIN sc_cell c ON c.id = m.cell
       WHERE k.n = 1 AND NOT c.suppressed AND c.value > 0
       ORDER BY k.rel, c.value, c.cell),
    done AS (
      UPDATE sc_cell c SET suppressed = true
        FROM (SELECT DISTINCT id FROM pick) p
       WHERE c.id = p.id AND NOT c.suppressed
      RETURNING c.id)
    INSERT INTO sc_new SELECT id FROM done;
    GET DIAGNOSTICS changed = ROW_COUNT;
    EXIT WHEN changed = 0;
    UPDATE sc_count k SET n = k.n + x.added
      FROM (SELECT m.rel, count(*) AS added FROM sc_new s JOIN sc_member m ON m.cell = s.id GROUP BY m.rel) x
     WHERE k.rel = x.rel;
  END LOOP;

  SELECT r.relation INTO bad FROM sc_count k JOIN sc_relation r ON r.id = k.rel WHERE k.n = 1 LIMIT 1;
  IF bad IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_SUPPRESSION_FAILED',
      format('秘匿処理ができません（関係式 %s の合計が合いません）。', bad));
  END IF;
  UPDATE suppression_cells s SET suppressed = true
    FROM sc_cell c WHERE c.cell = s.cell AND c.suppressed AND NOT s.suppressed;
  RETURN (SELECT count(*) FROM sc_cell WHERE suppressed);
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
