-- The pseudonym of a patient in a research extraction (D3): like the
-- national ID4, a keyed hash of the normalised kana name, the birth date
-- and the sex, so one patient has one pseudonym across fiscal years and
-- hospitals within an extraction; keyed per request (app.research_keys), so
-- two extractions cannot be joined unless the operator admin approves a
-- linked request (which reuses its parent's key).
--
--   pseudonym = hex(HMAC-SHA256(key, kana || '|' || birth_date || '|' || sex))
--   kana      = nanbyo.normalize_kana(name_kana), then NFKC, without any
--               white space (ヤマダ　タロウ, ﾔﾏﾀﾞ ﾀﾛｳ and ヤマダタロウ are one)
--   birth_date ISO 8601 (YYYY-MM-DD); sex the patient block's code (1, 2)
--
-- pgcrypto is not installed on this server: HMAC (RFC 2104) is written here
-- with the core sha256(); the test checks it against RFC 4231's vectors.

-- HMAC-SHA256 of a message under a key (RFC 2104; a key longer than the
-- 64-byte block is hashed first).
CREATE OR REPLACE FUNCTION app.hmac_sha256(key bytea, message bytea)
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE
STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k bytea := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
  inner_pad bytea;
  outer_pad bytea;
BEGIN
  k := k || decode(repeat('00', 64 - length(k)), 'hex');
  inner_pad := k;
  outer_pad := k;
  FOR i IN 0 .. 63 LOOP
    inner_pad := set_byte(inner_pad, i, get_byte(k, i) # 54);   -- 0x36
    outer_pad := set_byte(outer_pad, i, get_byte(k, i) # 92);   -- 0x5c
  END LOOP;
  RETURN sha256(outer_pad || sha256(inner_pad || message));
END
$$;

-- The normalised kana name the pseudonym hashes.
CREATE OR REPLACE FUNCTION app.research_kana(name_kana text)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT regexp_replace(normalize(nanbyo.normalize_kana(name_kana), NFKC), '[[:space:]　]+', '', 'g')
$$;

-- The pseudonym of one patient under a request's key (64 hex digits).
CREATE OR REPLACE FUNCTION app.research_pseudonym(key bytea, name_kana text, birth_date date, sex text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT encode(app.hmac_sha256(key, convert_to(
    app.research_kana(name_kana) || '|' || to_char(birth_date, 'YYYY-MM-DD') || '|' || sex, 'UTF8')), 'hex')
$$;

-- A new random key (32 bytes from two version-4 UUIDs: 244 random bits
-- from the server's strong random source, hashed to 256).
CREATE OR REPLACE FUNCTION app.research_new_key()
RETURNS bytea
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
$$;

-- The 5-year age band of a patient on a day ('0-4' … '95-99', '100+').
CREATE OR REPLACE FUNCTION app.research_age_band(birth_date date, on_day date)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN a >= 100 THEN '100+' ELSE (a / 5 * 5) || '-' || (a / 5 * 5 + 4) END
    FROM (SELECT greatest(extract(year FROM age(on_day, birth_date))::integer, 0) AS a) x
$$;

-- Every age band, in order.
CREATE OR REPLACE FUNCTION app.research_age_bands()
RETURNS TABLE (code text, "position" integer)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN n = 20 THEN '100+' ELSE (n * 5) || '-' || (n * 5 + 4) END, n FROM generate_series(0, 20) n
$$;
