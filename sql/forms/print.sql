-- B8 print: the form as an A4 HTML page with print CSS (request it with
-- `Accept: text/html`; POST, because every print is audit-logged and
-- PostgREST runs GET read-only), the masked copy for the review board, and a slip
-- with only the access key. Served by PostgREST through the "text/html"
-- media type handler (a domain named after the media type).
CREATE DOMAIN api."text/html" AS text;

-- PostgREST labels the "text/html" handler's answer without a charset.
CREATE OR REPLACE FUNCTION app.html_response_headers()
RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT app.add_response_header('Content-Type', 'text/html; charset=utf-8') $$;

CREATE OR REPLACE FUNCTION app.html(value text)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT replace(replace(replace(replace(replace(coalesce(value, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                 '"', '&quot;'), '''', '&#39;')
$$;

-- One item value as printed.
CREATE OR REPLACE FUNCTION app.print_value(value jsonb, unit text)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN value IS NULL OR value = 'null' THEN ''
    WHEN jsonb_typeof(value) = 'boolean' THEN CASE WHEN value = 'true' THEN 'はい' ELSE 'いいえ' END
    WHEN jsonb_typeof(value) = 'array' THEN (SELECT string_agg(v #>> '{}', '、') FROM jsonb_array_elements(value) v)
    ELSE (value #>> '{}') || coalesce(' ' || unit, '')
  END
$$;

-- A choice item's value as its label(s) from the item's code list (the
-- data dictionary's `codes`, shared blocks' lists included): 男 rather than
-- 1, 更新 rather than renewal. A value that is not in the list (a masked
-- value, a code of an older list) is printed as it is.
CREATE OR REPLACE FUNCTION app.code_labels(value jsonb, codes jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN value IS NULL OR jsonb_typeof(codes) IS DISTINCT FROM 'array' OR jsonb_array_length(codes) = 0 THEN value
    WHEN jsonb_typeof(value) = 'array' THEN
      (SELECT coalesce(jsonb_agg(coalesce(
                (SELECT c.e -> 'label' FROM jsonb_array_elements(codes) AS c(e) WHERE c.e ->> 'code' = v #>> '{}' LIMIT 1), v)
              ORDER BY n), '[]')
         FROM jsonb_array_elements(value) WITH ORDINALITY AS x(v, n))
    WHEN jsonb_typeof(value) IN ('string', 'number') THEN
      coalesce((SELECT c.e -> 'label' FROM jsonb_array_elements(codes) AS c(e)
                 WHERE c.e ->> 'code' = code_labels.value #>> '{}' LIMIT 1), value)
    ELSE value
  END
$$;

CREATE OR REPLACE FUNCTION app.print_css()
RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT $css$
@page { size: A4; margin: 15mm 12mm; }
body { font-family: "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Yu Gothic", sans-serif; font-size: 10pt; color: #000; }
h1 { font-size: 14pt; margin: 0 0 4mm; }
.meta { display: flex; justify-content: space-between; margin-bottom: 4mm; }
.key { border: 2px solid #000; padding: 2mm 4mm; font: bold 14pt monospace; letter-spacing: 1px; }
.masked { border: 2px solid #000; padding: 1mm 3mm; font-weight: bold; }
table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #555; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { width: 40%; background: #eee; font-weight: normal; }
h2 { font-size: 11pt; margin: 4mm 0 1mm; }
.judgment { margin-top: 4mm; }
@media screen { body { max-width: 190mm; margin: 10mm auto; } }
$css$ $$;

-- The 行政記載欄 (administrative box) of a printed form: the box every form
-- has, filled in with the municipality's entries only when the form's
-- municipality prints it (others get it blank, as on paper); the masked
-- print for the review board carries only the items marked for it
-- (app.admin_box_items.on_masked_print: 受付番号, 審査会開催日; never free text).
CREATE OR REPLACE FUNCTION app.admin_box_html(f app.forms, masked boolean)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- (plpgsql: app.caller_is_forms_municipality is made later, in sql/municipality/certification.sql)
  RETURN (SELECT format('<h2>行政記載欄（自治体記入）</h2><table class="admin-box">%s</table>',
    string_agg(format('<tr><th>%s</th><td>%s</td></tr>', app.html(i.label_ja),
                      app.html(CASE WHEN mine THEN coalesce(c.admin_box ->> i.item_id, '') ELSE '' END)),
               '' ORDER BY i.position))
    FROM app.admin_box_items i
    CROSS JOIN (SELECT app.caller_is_forms_municipality(f) AS mine) m
    LEFT JOIN app.certifications c ON c.form_id = f.id
   WHERE NOT masked OR i.on_masked_print);
END
$$;

-- The HTML page of a form. `data` is printed as given (masked or not).
CREATE OR REPLACE FUNCTION app.form_html(f app.forms, data jsonb, heading_note text, access_key text)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH v AS (SELECT * FROM app.form_versions WHERE id = f.form_version_id),
  -- the data dictionary: the items in form order, shared blocks expanded,
  -- each choice item with its code list and labels
  items AS (
    SELECT i ->> 'section' AS section, i ->> 'label' AS label,
           app.print_value(app.code_labels(data -> (i ->> 'item_id'), i -> 'codes'), i ->> 'unit') AS value, n
      FROM v, jsonb_array_elements(nanbyo.data_dictionary(v.definition)) WITH ORDINALITY AS x(i, n)),
  sections AS (
    SELECT section, min(n) AS first,
           string_agg(format('<tr><th>%s</th><td>%s</td></tr>', app.html(label), app.html(value)), '' ORDER BY n) AS rows
      FROM items GROUP BY section)
  SELECT format($html$<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>%1$s</title><style>%2$s</style></head>
<body>
<h1>%1$s</h1>
<div class="meta"><div>%3$s<br>様式: %4$s<br>%9$s<br>%5$s</div>%6$s</div>
%7$s
%10$s
<div class="judgment">一次判定（機械判定）: %8$s</div>
</body></html>$html$,
    app.html(CASE f.program WHEN 'nanbyo' THEN '臨床調査個人票' ELSE '医療意見書' END || '（' || app.disease_name(f.disease_code, f.form_version_id) || '）'),
    app.print_css(),
    app.html((SELECT name FROM app.organisations WHERE id = f.hospital_id)),
    app.html(v.version_label),
    app.html(coalesce(heading_note, '')),
    CASE WHEN access_key IS NOT NULL THEN format('<div>アクセスキー<div class="key">%s</div></div>', app.html(access_key))
         WHEN heading_note IS NOT NULL THEN format('<div class="masked">%s</div>', app.html(heading_note)) ELSE '' END,
    (SELECT string_agg(format('<h2>%s</h2><table>%s</table>', app.html(section), rows), E'\n' ORDER BY first) FROM sections),
    app.html(coalesce((SELECT label_ja FROM app.primary_judgments WHERE code = f.judgment ->> 'primary_judgment'),
                      f.judgment ->> 'primary_judgment', '未確定')),
    -- the form's program, purpose and status by their labels (the vocabulary)
    app.html(format('制度: %s　申請区分: %s　状態: %s',
      coalesce((SELECT label_ja FROM app.programs WHERE code = f.program), f.program),
      coalesce((SELECT label_ja FROM app.form_purposes WHERE code = f.purpose), f.purpose),
      coalesce((SELECT label_ja FROM app.form_statuses WHERE code = f.status), f.status))),
    -- the masked print is the one with a heading note and no key
    app.admin_box_html(f, heading_note IS NOT NULL AND access_key IS NULL))
  FROM v
$$;

-- The form the caller may see (row-level security), or 404.
CREATE OR REPLACE FUNCTION app.visible_form(form_id bigint)
RETURNS app.forms
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f app.forms;
BEGIN
  SELECT * INTO f FROM app.forms x WHERE x.id = form_id;  -- runs as the caller: RLS applies
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_FORM_NOT_FOUND', '票が見つかりません。');
  END IF;
  RETURN f;
END
$$;

-- The access key, if given, must be the form's live key. A wrong key counts
-- toward the caller's access-key rate limit as a wrong lookup does, and is
-- logged although the print is refused (sql/forms/access_keys.sql, sql/foundation/audit.sql).
CREATE OR REPLACE FUNCTION app.check_form_key(f app.forms, access_key text)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  account bigint := app.current_account_id();
  canonical text;
BEGIN
  IF access_key IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM app.serialise_key_attempts(account);
  IF app.recent_access_key_failures(account) >= app.access_key_failure_limit() THEN
    PERFORM app.audit_autonomous('access_key.lookup', 'refused', 'form', f.id::text,
                                 '{"purpose": "print", "reason": "rate_limited"}');
    PERFORM app.raise_http(429, '54000', 'E_RATE_LIMITED', app.rate_limit_message());
  END IF;
  canonical := nanbyo.normalize_access_key(access_key);
  IF NOT EXISTS (SELECT FROM app.access_keys k
                  WHERE k.form_id = f.id AND k.revoked_at IS NULL
                    AND k.key_hash = app.access_key_hash(canonical)) THEN
    PERFORM app.audit_autonomous('access_key.lookup', 'failure', 'form', f.id::text,
                                 '{"purpose": "print", "reason": "not_this_forms_key"}');
    PERFORM app.raise('22023', 'E_ACCESS_KEY_MISMATCH', 'このアクセスキーはこの票の有効なキーではありません。');
  END IF;
  RETURN canonical;
END
$$;

-- POST /rpc/print_form {"form_id", "access_key"} (Accept: text/html): the form
-- for the patient, with its access key printed when given.
CREATE OR REPLACE FUNCTION api.print_form(form_id bigint, access_key text DEFAULT NULL)
RETURNS api."text/html"
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  f app.forms := app.visible_form(form_id);
  key text := app.check_form_key(f, access_key);
BEGIN
  PERFORM app.audit_read('form_print', 'form', ARRAY[f.id::text]);
  PERFORM app.html_response_headers();
  RETURN app.form_html(f, app.form_full_data(f), NULL, key);
END
$$;
COMMENT ON FUNCTION api.print_form(bigint, text) IS '票の印刷（A4, HTML）: アクセスキー付き';

-- POST /rpc/print_form_masked {"form_id"} (Accept: text/html): the review
-- board's copy; every personal item is masked by the extension.
CREATE OR REPLACE FUNCTION api.print_form_masked(form_id bigint)
RETURNS api."text/html"
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  f app.forms := app.visible_form(form_id);
  entry date := coalesce(f.confirmed_at::date, current_date);
BEGIN
  PERFORM app.audit_read('form_print_masked', 'form', ARRAY[f.id::text]);
  PERFORM app.html_response_headers();
  RETURN app.form_html(f, nanbyo.mask_form(f.form_version_id, app.form_full_data(f), entry),
                       '審査会用（個人情報マスク済）', NULL);
END
$$;
COMMENT ON FUNCTION api.print_form_masked(bigint) IS '審査会用のマスク済み印刷（個人情報を伏せる）';

-- POST /rpc/print_access_key_slip {"form_id", "access_key"} (Accept: text/html):
-- a slip with only the access key, for the patient to take to the municipality.
CREATE OR REPLACE FUNCTION api.print_access_key_slip(form_id bigint, access_key text)
RETURNS api."text/html"
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  f app.forms := app.visible_form(form_id);
  key text := app.check_form_key(f, coalesce(access_key, ''));
BEGIN
  PERFORM app.audit_read('access_key_slip', 'form', ARRAY[f.id::text]);
  PERFORM app.html_response_headers();
  RETURN format($html$<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>アクセスキー</title><style>%s</style></head>
<body><h1>アクセスキー</h1>
<p>申請の際、このキーを自治体の窓口にお伝えください。自治体はこのキーで電子の%s を受け付けます。</p>
<div class="key">%s</div></body></html>$html$,
    app.print_css(), CASE f.program WHEN 'nanbyo' THEN '臨床調査個人票' ELSE '医療意見書' END, app.html(key));
END
$$;
COMMENT ON FUNCTION api.print_access_key_slip(bigint, text) IS 'アクセスキーだけの控え（HTML）';
