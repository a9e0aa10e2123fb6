-- The implementing bodies (実施主体, D4): the 47 prefectures and 20
-- designated cities (nanbyō and shōman), the core cities and child-guidance
-- cities (shōman) of sql/master/data/implementing_bodies.csv, loaded on
-- every deploy into app.organisations, matched by code (never a second row
-- for a body the demo data or an operator already made). Sources and what
-- is missing: sql/master/data/README.md.

-- 全国地方公共団体コード: 5 digits + check digit (modulus 11, weights 6..2).
CREATE OR REPLACE FUNCTION app.valid_local_government_code(code text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT code ~ '^[0-9]{6}$' AND substr(code, 6, 1)::integer =
         (11 - (substr(code, 1, 1)::integer * 6 + substr(code, 2, 1)::integer * 5 + substr(code, 3, 1)::integer * 4
                + substr(code, 4, 1)::integer * 3 + substr(code, 5, 1)::integer * 2) % 11) % 10
$$;

-- Loads the file's rows (the text of the CSV, header first); refuses the
-- whole file on a bad row. Answers how many bodies were added and updated.
CREATE OR REPLACE FUNCTION app.load_implementing_bodies(csv text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  added integer := 0;
  changed integer := 0;
  inserted boolean;
BEGIN
  IF split_part(csv, E'\n', 1) <> 'code,name,prefecture_code,municipality_kind,runs_nanbyo,runs_shoman,source' THEN
    RAISE EXCEPTION 'implementing_bodies.csv: unexpected header %', split_part(csv, E'\n', 1);
  END IF;
  FOR r IN
    SELECT n, f[1] AS code, f[2] AS name, f[3] AS prefecture_code, f[4] AS municipality_kind,
           f[5]::boolean AS runs_nanbyo, f[6]::boolean AS runs_shoman
      FROM (SELECT n, string_to_array(l, ',') AS f
              FROM unnest(string_to_array(rtrim(csv, E'\n'), E'\n')) WITH ORDINALITY AS x(l, n)
             WHERE n > 1) rows
     ORDER BY n LOOP
    IF NOT app.valid_local_government_code(r.code) OR substr(r.code, 1, 2) <> r.prefecture_code THEN
      RAISE EXCEPTION 'implementing_bodies.csv line %: code % is not a local government code of prefecture %',
        r.n, r.code, r.prefecture_code;
    END IF;
    INSERT INTO app.organisations AS o (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
    VALUES ('municipality', r.code, r.name, r.prefecture_code, r.municipality_kind, r.runs_nanbyo, r.runs_shoman)
    ON CONFLICT (kind, code) DO UPDATE
       SET name = EXCLUDED.name, prefecture_code = EXCLUDED.prefecture_code,
           municipality_kind = EXCLUDED.municipality_kind,
           runs_nanbyo = EXCLUDED.runs_nanbyo, runs_shoman = EXCLUDED.runs_shoman
     WHERE (o.name, o.prefecture_code, o.municipality_kind, o.runs_nanbyo, o.runs_shoman)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.prefecture_code, EXCLUDED.municipality_kind,
                             EXCLUDED.runs_nanbyo, EXCLUDED.runs_shoman)
    RETURNING (xmax = 0) INTO inserted;
    IF FOUND THEN
      IF inserted THEN added := added + 1; ELSE changed := changed + 1; END IF;
    END IF;
  END LOOP;
  RETURN jsonb_build_object('added', added, 'updated', changed);
END
$$;

\set implementing_bodies_file :nanbyo_root '/sql/master/data/implementing_bodies.csv'
\set implementing_bodies_csv `cat :implementing_bodies_file`
SELECT app.load_implementing_bodies(:'implementing_bodies_csv') IS NOT NULL AS implementing_bodies_loaded \gset

-- GET /implementing_bodies: the bodies with their public payer numbers
-- (master data every role that works with forms reads).
CREATE OR REPLACE VIEW api.implementing_bodies
WITH (security_invoker = true) AS
SELECT o.id, o.code, o.name, o.prefecture_code, o.municipality_kind, o.runs_nanbyo, o.runs_shoman,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'program', p.program, 'number', p.number,
                                                     'valid_from', p.valid_from, 'valid_until', p.valid_until,
                                                     'note', p.note)
                                  ORDER BY p.program, p.valid_from, p.id)
                   FROM app.public_payer_numbers p WHERE p.organisation_id = o.id), '[]') AS public_payer_numbers
  FROM app.organisations o
 WHERE o.kind = 'municipality';
COMMENT ON VIEW api.implementing_bodies IS '実施主体マスタ（都道府県・指定都市・中核市・児童相談所設置市）と公費負担者番号';
