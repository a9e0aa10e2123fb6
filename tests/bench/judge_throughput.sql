-- SQL-level benchmark: nanbyo.judge over 100,000 stored SLE forms on one
-- core, next to merely reading the same jsonb column. Run by `make bench`
-- (.ci/bench.sh) against the scratch cluster; prints forms/s and the ratio.
\set ON_ERROR_STOP 1
\pset footer off
SET max_parallel_workers_per_gather = 0;   -- one core
SET jit = off;

DROP TABLE IF EXISTS bench_forms;
CREATE TABLE bench_forms AS
WITH version AS (SELECT id, definition FROM app.form_versions WHERE disease_code = 'N049'),
     booleans AS (
       SELECT array_agg(item ->> 'id') AS ids
         FROM version, jsonb_array_elements(definition -> 'items') item
        WHERE item ->> 'type' = 'boolean' AND item ->> 'id' <> 'consent_db_registration')
SELECT g AS id, version.id AS form_version_id,
       jsonb_build_object(
         'patient_name', '難病 花子', 'patient_name_kana', 'ナンビョウ ハナコ',
         'patient_birth_date', '昭和60年7月7日', 'patient_sex', '2',
         'patient_postal_code', '100-0001', 'patient_address', '東京都千代田区千代田1-' || g,
         'application_type', 'renewal', 'entry_date', '令和8年4月10日',
         'medical_institution_code', '1310270751', 'medical_institution_name', '千代田病院',
         'doctor_name', '指定 医師', 'consent_db_registration', true,
         'eular_renal_biopsy', (ARRAY['none', 'class_2_or_5', 'class_3_or_4'])[1 + g % 3])
       || (SELECT jsonb_object_agg(b, random() < 0.25) FROM unnest(booleans.ids) b WHERE g > 0) AS data
  FROM generate_series(1, 100000) g, version, booleans;
VACUUM ANALYZE bench_forms;

-- Warm the cache and the table.
SELECT count(*) FROM bench_forms;
SELECT nanbyo.judge(form_version_id, data) IS NOT NULL FROM bench_forms LIMIT 1;

CREATE TEMP TABLE timings (what text, ms float8);
CREATE FUNCTION pg_temp.time_ms(statement text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'Infinity';
BEGIN
  FOR i IN 1 .. 3 LOOP
    t0 := clock_timestamp();
    EXECUTE statement;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  RETURN best;
END $$;

INSERT INTO timings VALUES
  ('read jsonb: sum(length(data::text))', pg_temp.time_ms('SELECT sum(length(data::text)) FROM bench_forms')),
  ('judge: count(nanbyo.judge(form_version_id, data))', pg_temp.time_ms('SELECT count(nanbyo.judge(form_version_id, data)) FROM bench_forms')),
  ('judge, primary judgment only', pg_temp.time_ms($$SELECT count(*) FILTER (WHERE nanbyo.judge(form_version_id, data) ->> 'primary_judgment' = 'meets') FROM bench_forms$$));

SELECT what, round(ms::numeric, 1) AS ms_best_of_3,
       round((100000 / (ms / 1000))::numeric) AS forms_per_s,
       round((ms / (SELECT ms FROM timings WHERE what LIKE 'read%'))::numeric, 2) AS ratio_to_read
  FROM timings;
SELECT data ->> 'primary_judgment' AS primary_judgment, count(*)
  FROM (SELECT nanbyo.judge(form_version_id, data) AS data FROM bench_forms) j GROUP BY 1 ORDER BY 1;
DROP TABLE bench_forms;
