-- The hospital master imported from CSV (D4; layout in docs/hospital-master.md):
-- POST /rpc/import_hospitals_csv, the operator admin. The whole file is
-- checked first; on any bad row nothing is written and every problem is
-- answered with its line and column (422). Otherwise every row is added or
-- updated in one transaction, matched by 医療機関コード; a row equal to the
-- master is 変更なし, so importing the same file again changes nothing.

CREATE OR REPLACE FUNCTION app.hospital_csv_header()
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['医療機関コード', '名称', '都道府県コード', '所在地', '郵便番号', '難病', '小慢',
               '難病の発行自治体コード', '小慢の発行自治体コード']
$$;

-- The implementing body of a program for a hospital in a prefecture at an
-- address: a city of the prefecture running the program whose name the
-- address starts with (after the prefecture's name), else the prefecture.
CREATE OR REPLACE FUNCTION app.derived_authority(prefecture_code text, address text, program text)
RETURNS bigint
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH pref AS (
    SELECT id, name FROM app.organisations
     WHERE kind = 'municipality' AND municipality_kind = 'prefecture'
       -- the prefecture's own local government code: <2 digits>000<check digit>
       AND code LIKE derived_authority.prefecture_code || '000_'
       AND organisations.prefecture_code = derived_authority.prefecture_code
     ORDER BY id LIMIT 1),
  place AS (
    SELECT CASE WHEN coalesce(derived_authority.address, '') LIKE pref.name || '%'
                THEN substr(derived_authority.address, length(pref.name) + 1)
                ELSE coalesce(derived_authority.address, '') END AS rest
      FROM pref)
  SELECT coalesce(
    (SELECT o.id FROM app.organisations o, place
      WHERE o.kind = 'municipality' AND o.municipality_kind <> 'prefecture'
        AND o.prefecture_code = derived_authority.prefecture_code
        AND CASE derived_authority.program WHEN 'nanbyo' THEN o.runs_nanbyo ELSE o.runs_shoman END
        AND place.rest LIKE o.name || '%'
      ORDER BY length(o.name) DESC LIMIT 1),
    (SELECT p.id FROM pref p, app.organisations o
      WHERE o.id = p.id AND CASE derived_authority.program WHEN 'nanbyo' THEN o.runs_nanbyo ELSE o.runs_shoman END))
$$;

CREATE OR REPLACE FUNCTION api.import_hospitals_csv(text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  body text := $1;
  problems jsonb := '[]';
  rows jsonb := '[]';
  results jsonb := '[]';
  rec record;
  f text[];
  code text; name text; pref text; address text; postal text;
  nanbyo_flag text; shoman_flag text; nanbyo_given text; shoman_given text;
  nanbyo_id bigint; shoman_id bigint;
  existing app.organisations;
  seen text[] := '{}';
  header_ok boolean := false;
  n_added integer := 0; n_updated integer := 0; n_unchanged integer := 0;
  result text;
  authority app.organisations;
BEGIN
  IF body IS NULL OR btrim(body) = '' THEN
    PERFORM app.raise('22023', 'E_CSV_REQUIRED', '医療機関マスタのCSVファイルの内容を送ってください。');
  END IF;
  body := ltrim(body, U&'\FEFF');
  FOR rec IN SELECT * FROM nanbyo.csv_records(body) ORDER BY line LOOP
    f := rec.fields;
    IF NOT header_ok THEN
      IF (SELECT array_agg(btrim(x)) FROM unnest(f) x) IS DISTINCT FROM app.hospital_csv_header() THEN
        PERFORM app.raise('22023', 'E_CSV_HEADER',
          '1行目は見出し行です: ' || array_to_string(app.hospital_csv_header(), ',') || '（docs/hospital-master.md）');
      END IF;
      header_ok := true;
      CONTINUE;
    END IF;
    IF coalesce(array_length(f, 1), 0) = 1 AND btrim(f[1]) = '' THEN
      CONTINUE;  -- an empty line
    END IF;
    IF coalesce(array_length(f, 1), 0) <> 9 THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', NULL, 'code', 'E_CSV_COLUMNS',
        'message', format('列の数が %s です（9列: %s）。', coalesce(array_length(f, 1), 0),
                          array_to_string(app.hospital_csv_header(), ',')));
      CONTINUE;
    END IF;
    code := regexp_replace(normalize(btrim(f[1]), NFKC), '[\s\-]', '', 'g');
    name := btrim(f[2]);
    pref := btrim(normalize(f[3], NFKC));
    pref := CASE WHEN pref ~ '^[0-9]$' THEN '0' || pref ELSE pref END;
    address := nullif(btrim(f[4]), '');
    postal := nullif(regexp_replace(normalize(btrim(f[5]), NFKC), '^〒|[\s\-ー－]', '', 'g'), '');
    nanbyo_flag := btrim(normalize(f[6], NFKC));
    shoman_flag := btrim(normalize(f[7], NFKC));
    nanbyo_given := nullif(btrim(normalize(f[8], NFKC)), '');
    shoman_given := nullif(btrim(normalize(f[9], NFKC)), '');
    nanbyo_id := NULL; shoman_id := NULL;

    IF code !~ '^[0-9]{10}$' THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '医療機関コード', 'code', 'E_HOSPITAL_CODE_FORMAT',
        'message', format('医療機関コード「%s」は10桁の数字で入力してください。', f[1]));
    ELSIF NOT nanbyo.valid_medical_institution_code(code) THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '医療機関コード', 'code', 'E_HOSPITAL_CODE_CHECK_DIGIT',
        'message', format('医療機関コード %s の検証番号（10桁目）が正しくありません。', code));
    ELSIF code = ANY (seen) THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '医療機関コード', 'code', 'E_DUPLICATE_IN_FILE',
        'message', format('医療機関コード %s の行がファイル内に既にあります。', code));
    END IF;
    seen := seen || code;
    IF name = '' OR length(name) > 200 THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '名称', 'code', 'E_NAME_REQUIRED',
        'message', '名称を200文字以内で入力してください。');
    END IF;
    IF pref !~ '^(0[1-9]|[1-3][0-9]|4[0-7])$' THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '都道府県コード', 'code', 'E_PREFECTURE_UNKNOWN',
        'message', format('都道府県コード「%s」は 01〜47 のいずれかです。', f[3]));
    ELSIF code ~ '^[0-9]{10}$' AND substr(code, 1, 2) <> pref THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '都道府県コード', 'code', 'E_PREFECTURE_MISMATCH',
        'message', format('医療機関コードの先頭2桁（%s）と都道府県コード（%s）が一致しません。', substr(code, 1, 2), pref));
    END IF;
    IF address IS NOT NULL AND length(address) > 200 THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '所在地', 'code', 'E_ADDRESS_TOO_LONG',
        'message', '所在地は200文字以内で入力してください。');
    END IF;
    IF postal IS NOT NULL AND postal !~ '^[0-9]{7}$' THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '郵便番号', 'code', 'E_POSTAL_CODE_FORMAT',
        'message', '郵便番号は7桁の数字で入力してください（例: 123-4567）。');
    END IF;
    IF nanbyo_flag NOT IN ('', '0', '1') OR shoman_flag NOT IN ('', '0', '1') THEN
      problems := problems || jsonb_build_object('line', rec.line,
        'column', CASE WHEN nanbyo_flag NOT IN ('', '0', '1') THEN '難病' ELSE '小慢' END, 'code', 'E_PROGRAM_FLAG',
        'message', '難病・小慢の列は 1（指定あり）か 0・空欄（なし）で入力してください。');
    ELSIF nanbyo_flag <> '1' AND shoman_flag <> '1' THEN
      problems := problems || jsonb_build_object('line', rec.line, 'column', '難病', 'code', 'E_PROGRAM_REQUIRED',
        'message', '難病・小慢の少なくとも一方を 1 にしてください。');
    END IF;
    -- the authorities (only when the prefecture is right: they depend on it)
    IF pref ~ '^(0[1-9]|[1-3][0-9]|4[0-7])$' THEN
      IF nanbyo_flag = '1' THEN
        IF nanbyo_given IS NOT NULL THEN
          SELECT * INTO authority FROM app.organisations o WHERE o.kind = 'municipality' AND o.code = nanbyo_given;
          IF NOT FOUND OR NOT authority.runs_nanbyo OR authority.prefecture_code <> pref THEN
            problems := problems || jsonb_build_object('line', rec.line, 'column', '難病の発行自治体コード', 'code', 'E_AUTHORITY_INVALID',
              'message', format('難病の発行自治体コード %s は、都道府県 %s で難病を実施する都道府県・指定都市ではありません。', nanbyo_given, pref));
          ELSE
            nanbyo_id := authority.id;
          END IF;
        ELSE
          nanbyo_id := app.derived_authority(pref, address, 'nanbyo');
          IF nanbyo_id IS NULL THEN
            problems := problems || jsonb_build_object('line', rec.line, 'column', '難病の発行自治体コード', 'code', 'E_AUTHORITY_NOT_FOUND',
              'message', format('都道府県 %s の難病の実施主体がマスタにありません。発行自治体コードを指定してください。', pref));
          END IF;
        END IF;
      END IF;
      IF shoman_flag = '1' THEN
        IF shoman_given IS NOT NULL THEN
          SELECT * INTO authority FROM app.organisations o WHERE o.kind = 'municipality' AND o.code = shoman_given;
          IF NOT FOUND OR NOT authority.runs_shoman OR authority.prefecture_code <> pref THEN
            problems := problems || jsonb_build_object('line', rec.line, 'column', '小慢の発行自治体コード', 'code', 'E_AUTHORITY_INVALID',
              'message', format('小慢の発行自治体コード %s は、都道府県 %s で小慢を実施する自治体ではありません。', shoman_given, pref));
          ELSE
            shoman_id := authority.id;
          END IF;
        ELSE
          shoman_id := app.derived_authority(pref, address, 'shoman');
          IF shoman_id IS NULL THEN
            problems := problems || jsonb_build_object('line', rec.line, 'column', '小慢の発行自治体コード', 'code', 'E_AUTHORITY_NOT_FOUND',
              'message', format('都道府県 %s の小慢の実施主体がマスタにありません。発行自治体コードを指定してください。', pref));
          END IF;
        END IF;
      END IF;
    END IF;
    rows := rows || jsonb_build_object('line', rec.line, 'code', code, 'name', name, 'prefecture_code', pref,
      'address', address, 'postal_code', postal, 'nanbyo_authority_id', nanbyo_id, 'shoman_authority_id', shoman_id);
  END LOOP;

  IF NOT header_ok THEN
    PERFORM app.raise('22023', 'E_CSV_REQUIRED', '医療機関マスタのCSVファイルの内容を送ってください。');
  END IF;
  IF jsonb_array_length(problems) > 0 THEN
    PERFORM app.audit('master.hospital_import', 'refused', 'file', NULL,
      jsonb_build_object('rows', jsonb_array_length(rows), 'problems', jsonb_array_length(problems)));
    PERFORM set_config('response.status', '422', true);
    RETURN jsonb_build_object('accepted', false,
      'message', 'ファイルに誤りがあるため、1件も取り込んでいません。各行の誤りを直して、もう一度送信してください。',
      'problems', problems);
  END IF;

  FOR rec IN SELECT * FROM jsonb_to_recordset(rows) AS x(line integer, code text, name text, prefecture_code text,
                     address text, postal_code text, nanbyo_authority_id bigint, shoman_authority_id bigint)
             ORDER BY line LOOP
    SELECT * INTO existing FROM app.organisations o WHERE o.kind = 'hospital' AND o.code = rec.code FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO app.organisations (kind, code, name, prefecture_code, address, postal_code,
                                     nanbyo_authority_id, shoman_authority_id)
      VALUES ('hospital', rec.code, rec.name, rec.prefecture_code, rec.address, rec.postal_code,
              rec.nanbyo_authority_id, rec.shoman_authority_id);
      result := 'added'; n_added := n_added + 1;
    ELSIF (existing.name, existing.prefecture_code, existing.address, existing.postal_code,
           existing.nanbyo_authority_id, existing.shoman_authority_id)
          IS NOT DISTINCT FROM (rec.name, rec.prefecture_code, rec.address, rec.postal_code,
                                rec.nanbyo_authority_id, rec.shoman_authority_id) THEN
      result := 'unchanged'; n_unchanged := n_unchanged + 1;
    ELSE
      UPDATE app.organisations o
         SET name = rec.name, prefecture_code = rec.prefecture_code, address = rec.address,
             postal_code = rec.postal_code, nanbyo_authority_id = rec.nanbyo_authority_id,
             shoman_authority_id = rec.shoman_authority_id
       WHERE o.id = existing.id;
      result := 'updated'; n_updated := n_updated + 1;
    END IF;
    results := results || jsonb_build_object('line', rec.line, 'code', rec.code, 'name', rec.name, 'result', result);
  END LOOP;
  PERFORM app.audit('master.hospital_import', 'success', 'file', NULL,
    jsonb_build_object('rows', jsonb_array_length(results), 'added', n_added, 'updated', n_updated, 'unchanged', n_unchanged));
  RETURN jsonb_build_object('accepted', true, 'added', n_added, 'updated', n_updated, 'unchanged', n_unchanged,
                            'results', results);
END
$$;
COMMENT ON FUNCTION api.import_hospitals_csv(text) IS
  '医療機関マスタの取込み（CSV, 運営主体の管理者）: 全行を先に検査し、1行でも誤りがあれば1件も取り込まない。同じファイルの再取込みは「変更なし」';
