-- CSV files uploaded as bytes (application/octet-stream): the encodings
-- Japanese municipal and hospital systems export, decoded in the database.
-- UTF-8 with or without a byte-order mark, and Shift_JIS as Windows writes
-- it (CP932: PostgreSQL's SJIS is CP932, with NEC and IBM extensions such as
-- ① and ㈱). The charset a request declares wins (Content-Type:
-- application/octet-stream; charset=Shift_JIS); otherwise bytes that are
-- valid UTF-8 are UTF-8, else CP932; bytes that are neither are refused.

-- The charset parameter of a Content-Type, as PostgreSQL's encoding name
-- (UTF8, SJIS), '' when none is declared, or NULL for a charset this
-- system does not read.
CREATE OR REPLACE FUNCTION app.declared_charset(content_type text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN cs IS NULL THEN ''
    WHEN cs IN ('utf-8', 'utf8') THEN 'UTF8'
    WHEN cs IN ('shift_jis', 'shift-jis', 'sjis', 'x-sjis', 'windows-31j', 'cp932', 'ms932', 'windows-932')
      THEN 'SJIS'
    END
    FROM (SELECT lower(substring(coalesce(content_type, '') FROM '(?i)charset\s*=\s*"?([A-Za-z0-9_.:-]+)')) AS cs) c
$$;

-- The Content-Type of the current HTTP request ('' outside one).
CREATE OR REPLACE FUNCTION app.request_content_type()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(nullif(current_setting('request.headers', true), '')::jsonb ->> 'content-type', '')
$$;

-- Decodes an uploaded text file: its content, and the encoding it was read in
-- (UTF8, UTF8_BOM, SJIS). Raises E_CSV_ENCODING for a declared charset
-- other than UTF-8 or Shift_JIS, and for bytes that are not text in the
-- declared one (or, undeclared, in either).
CREATE OR REPLACE FUNCTION app.decode_csv_upload(body bytea, content_type text,
                                             OUT content text, OUT encoding text)
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  declared text := app.declared_charset(content_type);
  bom boolean := substring(body FROM 1 FOR 3) = '\xefbbbf'::bytea;
BEGIN
  IF declared IS NULL THEN
    PERFORM app.raise('22023', 'E_CSV_ENCODING',
      'ファイルの文字コードは UTF-8 か Shift_JIS（CP932）を指定してください（Content-Type の charset）。');
  END IF;
  IF declared IN ('', 'UTF8') THEN
    BEGIN
      content := convert_from(CASE WHEN bom THEN substring(body FROM 4) ELSE body END, 'UTF8');
      encoding := CASE WHEN bom THEN 'UTF8_BOM' ELSE 'UTF8' END;
      RETURN;
    EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
      IF declared = 'UTF8' OR bom THEN
        PERFORM app.raise('22023', 'E_CSV_ENCODING',
          'ファイルが UTF-8 として読めません（文字コードの誤り、またはNUL文字）。UTF-8 か Shift_JIS で保存して送ってください。');
      END IF;
    END;
  END IF;
  BEGIN
    content := convert_from(body, 'SJIS');
    encoding := 'SJIS';
  EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    PERFORM app.raise('22023', 'E_CSV_ENCODING',
      CASE WHEN declared = 'SJIS'
           THEN 'ファイルが Shift_JIS（CP932）として読めません。文字コードを確認してください。'
           ELSE 'ファイルの文字コードが UTF-8 でも Shift_JIS（CP932）でもありません（またはNUL文字を含みます）。UTF-8 か Shift_JIS で保存して送ってください。' END);
  END;
END
$$;
