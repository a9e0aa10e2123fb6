-- The analysts' SQL role (issue #20 item 5): operator analysts working in
-- psql read the published statistics and the research outputs, and
-- nothing personal. nanbyo_analyst is a group (NOLOGIN); each analyst is a
-- login role in it (README, "Analysts' SQL access"):
--   CREATE ROLE analyst_sato LOGIN PASSWORD '…' IN ROLE nanbyo_analyst;
-- What it may read is granted here and nothing else: no USAGE on the `app`
-- schema (patients, forms, form_personal, certifications, the audit log,
-- the pseudonym keys ...) nor on `api`; SELECT on the pseudonymised
-- outputs in `research` and on the suppressed statistics in `stats`.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nanbyo_analyst') THEN
    CREATE ROLE nanbyo_analyst NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
COMMENT ON ROLE nanbyo_analyst IS
  '運営主体の分析担当（psql）: 公表用の統計（秘匿済み）と研究利用の出力（仮名化済み）だけを読む。個人情報は読めない';
DO $$ BEGIN
  EXECUTE format('ALTER ROLE nanbyo_analyst IN DATABASE %I SET statement_timeout = %L', current_database(), '10min');
END $$;

GRANT USAGE ON SCHEMA research TO nanbyo_analyst;
GRANT SELECT ON research.extraction_rows, research.dictionary, research.summary, research.requests TO nanbyo_analyst;

-- The statistics (D1, sql/statistics/, schema stats; wt/stats): the
-- published figures (stats.published_cells: a suppressed cell has no value)
-- and the refresh runs; never stats.cells (the exact counts, the
-- operator's). Granted only when they are there, so this file loads before
-- and after the statistics are merged.
DO $$
BEGIN
  IF to_regnamespace('stats') IS NOT NULL THEN
    EXECUTE 'GRANT USAGE ON SCHEMA stats TO nanbyo_analyst';
    IF to_regclass('stats.published_cells') IS NOT NULL THEN
      EXECUTE 'GRANT SELECT ON stats.published_cells TO nanbyo_analyst';
    END IF;
    IF to_regclass('stats.runs') IS NOT NULL THEN
      EXECUTE 'GRANT SELECT ON stats.runs TO nanbyo_analyst';
    END IF;
  END IF;
END
$$;
