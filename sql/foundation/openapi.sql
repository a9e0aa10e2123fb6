-- The OpenAPI 3.1 contract of the HTTP API (#17 item 7), made by the
-- database from its own catalog at the time of the request, so it cannot
-- drift from what PostgREST serves:
--   - paths: every function of `api` (POST /rpc/<name>; GET too when the
--     function is STABLE/IMMUTABLE and takes no secret) and every view
--     (GET /<view>; POST/PATCH/DELETE where some role is granted them);
--   - parameters, their types and which are required: pg_proc (argument
--     names, types, defaults); the row schemas of SETOF/composite answers
--     and views: pg_attribute;
--   - descriptions: the Japanese COMMENT ON FUNCTION/VIEW, the English one
--     and the parameter descriptions in app.api_docs, JSON Schemas of json
--     answers in app.api_docs / app.api_doc_schemas (sql/foundation/api_docs.sql);
--   - enums: the vocabulary tables (app.programs, app.form_purposes,
--     app.form_statuses, app.review_results, app.roles, app.api_token_scopes);
--   - errors: the stable codes (E_…) a function raises with app.raise /
--     app.raise_http, found in its source and in the app functions it calls
--     (up to three calls deep), each with the HTTP status it gets;
--   - who may call: the bearer scheme, and x-roles from the grants.
-- GET /rpc/openapi serves it; PostgREST's own Swagger 2.0 document stays at /.

-- JSON Schema of a PostgreSQL type as PostgREST sends or takes it in JSON.
CREATE OR REPLACE FUNCTION app.openapi_type_schema(t oid)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ty pg_type;
BEGIN
  SELECT * INTO ty FROM pg_type WHERE oid = t;
  IF NOT FOUND THEN
    RETURN '{}';
  END IF;
  IF ty.typcategory = 'A' AND ty.typelem <> 0 THEN
    RETURN jsonb_build_object('type', 'array', 'items', app.openapi_type_schema(ty.typelem));
  END IF;
  IF ty.typtype = 'c' THEN
    RETURN jsonb_build_object('$ref', '#/components/schemas/' || (SELECT relname FROM pg_class WHERE oid = ty.typrelid));
  END IF;
  IF ty.typtype = 'd' THEN
    -- the media-type domains of `api` ("text/html", "*/*", "text/csv") are text
    RETURN CASE WHEN ty.typnamespace = 'api'::regnamespace THEN '{"type": "string"}'::jsonb
                ELSE app.openapi_type_schema(ty.typbasetype) END;
  END IF;
  RETURN CASE ty.typname
    WHEN 'int8' THEN '{"type": "integer", "format": "int64"}'
    WHEN 'int4' THEN '{"type": "integer", "format": "int32"}'
    WHEN 'int2' THEN '{"type": "integer", "format": "int32"}'
    WHEN 'numeric' THEN '{"type": "number"}'
    WHEN 'float4' THEN '{"type": "number"}'
    WHEN 'float8' THEN '{"type": "number"}'
    WHEN 'bool' THEN '{"type": "boolean"}'
    WHEN 'date' THEN '{"type": "string", "format": "date"}'
    WHEN 'timestamptz' THEN '{"type": "string", "format": "date-time"}'
    WHEN 'uuid' THEN '{"type": "string", "format": "uuid"}'
    WHEN 'json' THEN '{}'
    WHEN 'jsonb' THEN '{}'
    ELSE '{"type": "string"}' END::jsonb;
END
$$;

-- The same schema, also allowing null (a column or field that may be empty).
CREATE OR REPLACE FUNCTION app.openapi_nullable(s jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN s = '{}'::jsonb THEN s
    WHEN jsonb_typeof(s -> 'type') = 'string' THEN s || jsonb_build_object('type', jsonb_build_array(s -> 'type', 'null'))
    ELSE jsonb_build_object('anyOf', jsonb_build_array(s, '{"type": "null"}'::jsonb)) END
$$;

-- The object schema of a row type (composite type, view or table): every
-- column, with its comment; columns NOT NULL in a table are required.
CREATE OR REPLACE FUNCTION app.openapi_row_schema(rel oid)
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'type', 'object',
    'description', obj_description(rel, 'pg_class'),
    'properties', coalesce(jsonb_object_agg(a.attname,
        CASE WHEN a.attnotnull THEN app.openapi_type_schema(a.atttypid)
             ELSE app.openapi_nullable(app.openapi_type_schema(a.atttypid)) END
        || CASE WHEN col_description(rel, a.attnum) IS NULL THEN '{}'::jsonb
                ELSE jsonb_build_object('description', col_description(rel, a.attnum)) END), '{}'::jsonb),
    'required', (SELECT jsonb_agg(b.attname ORDER BY b.attnum) FROM pg_attribute b
                  WHERE b.attrelid = rel AND b.attnum > 0 AND NOT b.attisdropped AND b.attnotnull)))
  FROM pg_attribute a
  WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- The HTTP status an error of this SQLSTATE gets from app.raise inside a
-- request (P0002 404, 55000 409, 42501 403 for a logged-in caller, the
-- rest as PostgREST maps them: app.http_status_of).
CREATE OR REPLACE FUNCTION app.openapi_status_of(sqlstate text)
RETURNS integer
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE sqlstate WHEN 'P0002' THEN 404 WHEN '55000' THEN 409 WHEN '42501' THEN 403
                       ELSE app.http_status_of(sqlstate) END
$$;

-- The stable error codes a function may answer with: app.raise('SQLSTATE',
-- 'E_…'), app.raise_http(status, 'SQLSTATE', 'E_…') and app.<helper>(status,
-- ['SQLSTATE',] 'E_…') in its source and in
-- the app functions it calls, up to three calls deep; and the codes the
-- extension (Rust) raises, from app.api_doc_extension_errors. Codes built at
-- run time are not found.
CREATE OR REPLACE FUNCTION app.openapi_error_codes(fns oid[])
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE reach (fn, depth) AS (
    SELECT unnest(fns), 0
    UNION
    SELECT p.oid, r.depth + 1
      FROM reach r JOIN pg_proc src ON src.oid = r.fn
     CROSS JOIN LATERAL regexp_matches(src.prosrc, 'app\.([a-z_0-9]+)\s*\(', 'g') m
      JOIN pg_proc p ON p.pronamespace = 'app'::regnamespace AND p.proname = m[1]
     WHERE r.depth < 3 AND m[1] NOT IN ('raise', 'raise_http')
  ),
  found (status, sqlstate, code) AS (
    SELECT app.openapi_status_of(m[1]), m[1], m[2]
      FROM (SELECT DISTINCT fn FROM reach) r JOIN pg_proc p ON p.oid = r.fn
     CROSS JOIN LATERAL regexp_matches(p.prosrc, 'app\.raise\(\s*''([0-9A-Z]{5})''\s*,\s*''(E_[A-Z0-9_]+)''', 'g') m
    UNION
    SELECT m[1]::integer, m[2], m[3]
      FROM (SELECT DISTINCT fn FROM reach) r JOIN pg_proc p ON p.oid = r.fn
     CROSS JOIN LATERAL regexp_matches(p.prosrc,
       'app\.raise_http\(\s*([0-9]{3})\s*,\s*''([0-9A-Z]{5})''\s*,\s*''(E_[A-Z0-9_]+)''', 'g') m
    UNION
    -- helpers that refuse with an HTTP status, maybe a SQLSTATE, and a code
    -- (app.login_refused(401, 'E_…', …), app.lookup_refused(404, 'P0002', 'E_…', …))
    SELECT m[1]::integer, m[2], m[3]
      FROM (SELECT DISTINCT fn FROM reach) r JOIN pg_proc p ON p.oid = r.fn
     CROSS JOIN LATERAL regexp_matches(p.prosrc,
       'app\.[a-z_0-9]+\(\s*([0-9]{3})\s*,\s*(?:''([0-9A-Z]{5})''\s*,\s*)?''(E_[A-Z0-9_]+)''', 'g') m
    UNION
    -- the extension's codes (Rust), by the call that can answer them
    SELECT e.status, e.sqlstate, e.code
      FROM app.api_doc_extension_errors e JOIN pg_proc p ON p.proname = e.name
     WHERE p.oid = ANY (fns)
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('status', status, 'sqlstate', sqlstate, 'code', code)
                            ORDER BY status, code, sqlstate), '[]')
    FROM found
$$;

-- The roles (of app.roles, plus enrolling, api_token and web_anon) that
-- have a privilege on an api function or view.
CREATE OR REPLACE FUNCTION app.openapi_roles(fn oid, rel oid, privilege text)
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(r ORDER BY ord, r), '[]')
    FROM (SELECT code AS r, 1 AS ord FROM app.roles
          UNION ALL SELECT unnest(ARRAY['enrolling', 'api_token', 'web_anon']), 2) x
   WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = x.r)
     AND CASE WHEN fn IS NOT NULL THEN has_function_privilege(x.r, fn, 'EXECUTE')
              ELSE has_table_privilege(x.r, rel, privilege) END
$$;

-- The OpenAPI 3.1 document of the whole API, built from the catalog and
-- the documentation tables (no personal data). Built once per deploy
-- (sql/foundation/openapi_snapshot.sql, after every grant): building it
-- takes some 0.3–0.5 s, and anyone may ask for it.
CREATE OR REPLACE FUNCTION app.openapi_build()
RETURNS json
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  paths jsonb := '{}';
  schemas jsonb := '{}';
  fname text;
  fns oid[];
  jfn pg_proc;
  doc app.api_docs;
  ja text;
  desc_text text;
  i integer;
  n_required integer;
  arg_name text;
  arg_schema jsonb;
  props jsonb;
  required jsonb;
  query_params jsonb;
  body_content jsonb;
  ok_content jsonb;
  result_schema jsonb;
  mt text;
  responses jsonb;
  errs jsonb;
  security jsonb;
  op jsonb;
  item jsonb;
  v record;
  col_params jsonb;
  secret_args text[] := ARRAY['password', 'new_password', 'current_password', 'key', 'enrolment_code',
                              'access_key', 'csv'];
  -- parameters whose values are a vocabulary
  vocab_params jsonb := '{"program": "Program", "purpose": "FormPurpose", "status": "FormStatus",
                          "result": "ReviewResult", "role": "Role", "scopes": "ApiTokenScope"}';
  -- PostgREST's parameters for the rows of a set (SETOF functions, views)
  page_params jsonb := '[
    {"name": "select", "in": "query", "required": false, "schema": {"type": "string"}, "description": "返す列 / columns to return"},
    {"name": "order", "in": "query", "required": false, "schema": {"type": "string"}, "description": "並び順 / order, e.g. id.desc"},
    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}},
    {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}},
    {"name": "Prefer", "in": "header", "required": false, "description": "count=exact: 総件数を Content-Range に / the total in Content-Range",
     "schema": {"type": "string", "enum": ["count=exact", "count=planned", "count=estimated"]}}]';
  -- CSV of the rows of a view or a SETOF function (Accept: text/csv)
  csv_content jsonb := '{"schema": {"type": "string", "description": "CSV (RFC 4180): 見出し行と1行1件 / a header line, then one line per row"}}';
  bearer_only jsonb := '[{"bearer": []}]';
  bearer_optional jsonb := '[{}, {"bearer": []}]';
BEGIN
  -- the vocabulary as enums
  schemas := schemas
    || (SELECT jsonb_build_object(e.name, jsonb_build_object('type', 'string', 'enum', e.codes,
                                   'description', e.description, 'x-enum-labels', e.labels))
          FROM (SELECT 'Program' AS name, jsonb_agg(code ORDER BY code) AS codes, jsonb_object_agg(code, label_ja) AS labels,
                       '制度 / program (app.programs)' AS description FROM app.programs) e)
    || (SELECT jsonb_build_object('FormPurpose', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY code),
              'description', '申請区分 / purpose of a form (app.form_purposes)', 'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.form_purposes)
    || (SELECT jsonb_build_object('FormStatus', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY code),
              'description', '票の状態 / status of a form (app.form_statuses)', 'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.form_statuses)
    || (SELECT jsonb_build_object('ReviewResult', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY code),
              'description', '審査結果 / review result (app.review_results)', 'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.review_results)
    || (SELECT jsonb_build_object('Role', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY code),
              'description', '利用者区分 / role of an account (app.roles)', 'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.roles)
    || (SELECT jsonb_build_object('ApiTokenScope', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY code),
              'description', 'APIトークンの権限範囲 / scope of an API token (app.api_token_scopes)',
              'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.api_token_scopes)
    -- the certification's codes (C2)
    || (SELECT jsonb_build_object('IncomeTier', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY position),
              'description', '階層区分 / income tier (app.income_tiers)', 'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.income_tiers)
    || (SELECT jsonb_build_object('RefusalReason', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY position),
              'description', '不認定の理由 / refusal reason (app.refusal_reasons)', 'x-enum-labels', jsonb_object_agg(code, label_ja)))
          FROM app.refusal_reasons)
    || (SELECT jsonb_build_object('SpecialCase', jsonb_build_object('type', 'string', 'enum', jsonb_agg(code ORDER BY position),
              'description', '特例区分（名称は制度ごと: 難病／小慢）/ special case (labels per program: nanbyō／shōman; app.special_cases)',
              'x-enum-labels', jsonb_object_agg(code, label)))
          FROM (SELECT code, min(position) AS position, string_agg(DISTINCT label_ja, '／') AS label
                  FROM app.special_cases GROUP BY code) s);
  -- the error object every refusal has
  schemas := schemas || jsonb_build_object('Error', jsonb_build_object(
    'type', 'object',
    'description', 'エラー: message は利用者向けの日本語、details は安定したエラーコード (E_…)、code は SQLSTATE または PostgREST の PGRST… / '
                   'The error object: message is Japanese for the user, details the stable code (E_…), code the SQLSTATE or PostgREST''s PGRST…',
    'required', jsonb_build_array('code', 'message'),
    'properties', jsonb_build_object(
      'code', jsonb_build_object('type', 'string', 'description', 'SQLSTATE / PGRST…'),
      'message', jsonb_build_object('type', 'string'),
      'details', jsonb_build_object('type', jsonb_build_array('string', 'null'),
                                    'description', '安定したエラーコード (E_…) / the stable error code'),
      'hint', jsonb_build_object('type', jsonb_build_array('string', 'null')))));
  -- the shared JSON Schemas of json answers
  schemas := schemas || coalesce((SELECT jsonb_object_agg(name, schema) FROM app.api_doc_schemas), '{}');
  -- row types: views and tables of the API, composite types answered by a function
  schemas := schemas || coalesce((
    SELECT jsonb_object_agg(c.relname, app.openapi_row_schema(c.oid))
      FROM pg_class c
     WHERE (c.relnamespace = 'api'::regnamespace AND c.relkind IN ('v', 'r', 'm', 'c'))
        OR c.oid IN (SELECT t.typrelid FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
                      WHERE p.pronamespace = 'api'::regnamespace AND t.typtype = 'c')), '{}');

  -- functions: one path per name (overloads differ by the body's media type)
  FOR fname, fns IN
    SELECT p.proname, array_agg(p.oid ORDER BY p.oid)
      FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace AND p.prokind = 'f'
     GROUP BY p.proname ORDER BY p.proname
  LOOP
    SELECT * INTO doc FROM app.api_docs d WHERE d.name = fname;
    ja := (SELECT obj_description(o, 'pg_proc') FROM unnest(fns) o
            WHERE obj_description(o, 'pg_proc') IS NOT NULL LIMIT 1);
    desc_text := concat_ws(E'\n\n', ja, doc.description_en);
    -- the overload that takes a JSON object of named arguments
    SELECT * INTO jfn FROM pg_proc p
     WHERE p.oid = ANY (fns) AND NOT (p.pronargs = 1 AND coalesce(p.proargnames[1], '') = ''
                                       AND p.proargtypes[0] IN ('text'::regtype, 'xml'::regtype, 'bytea'::regtype))
     ORDER BY p.oid LIMIT 1;
    body_content := '{}';
    props := '{}';
    required := '[]';
    query_params := '[]';
    IF jfn.oid IS NOT NULL THEN
      n_required := jfn.pronargs - jfn.pronargdefaults;
      FOR i IN 1 .. jfn.pronargs LOOP
        arg_name := jfn.proargnames[i];
        arg_schema := app.openapi_type_schema(jfn.proargtypes[i - 1]);
        IF vocab_params ? arg_name THEN
          arg_schema := CASE WHEN arg_schema ->> 'type' = 'array'
                             THEN jsonb_build_object('type', 'array', 'items',
                                    jsonb_build_object('$ref', '#/components/schemas/' || (vocab_params ->> arg_name)))
                             ELSE jsonb_build_object('$ref', '#/components/schemas/' || (vocab_params ->> arg_name)) END;
        END IF;
        IF doc.parameters ? arg_name THEN
          arg_schema := arg_schema || jsonb_build_object('description', doc.parameters ->> arg_name);
        END IF;
        props := props || jsonb_build_object(arg_name, arg_schema);
        IF i <= n_required THEN
          required := required || to_jsonb(arg_name);
        END IF;
        query_params := query_params || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
          'name', arg_name, 'in', 'query', 'required', i <= n_required,
          'description', doc.parameters ->> arg_name,
          -- a query string carries text: arrays and objects in PostgREST's own syntax
          'schema', CASE WHEN arg_schema ->> 'type' IN ('array', 'object') OR arg_schema = '{}'::jsonb
                         THEN '{"type": "string"}'::jsonb ELSE arg_schema END)));
      END LOOP;
      body_content := jsonb_build_object('application/json', jsonb_build_object('schema',
        jsonb_build_object('type', 'object', 'properties', props, 'required', required,
                           'additionalProperties', false)));
    END IF;
    -- raw bodies: one unnamed text/xml/bytea argument takes the whole body
    body_content := body_content || coalesce((
      SELECT jsonb_object_agg(CASE p.proargtypes[0] WHEN 'xml'::regtype THEN 'text/xml'
                                                    WHEN 'bytea'::regtype THEN 'application/octet-stream'
                                                    ELSE 'text/plain' END,
                              jsonb_build_object('schema', '{"type": "string"}'::jsonb))
        FROM pg_proc p
       WHERE p.oid = ANY (fns) AND p.pronargs = 1 AND coalesce(p.proargnames[1], '') = ''
         AND p.proargtypes[0] IN ('text'::regtype, 'xml'::regtype, 'bytea'::regtype)), '{}');

    -- the successful answer (the overloads answer alike)
    SELECT * INTO jfn FROM pg_proc p WHERE p.oid = fns[1];
    result_schema := CASE
      -- (also the JSON answer of a media-type function that answers JSON to Accept: application/json)
      WHEN doc.response_schema IS NOT NULL THEN doc.response_schema
      WHEN (SELECT typname FROM pg_type WHERE oid = jfn.prorettype) IN ('json', 'jsonb')
        THEN '{"description": "応答のスキーマは未記述 / the schema of this answer is not described yet"}'::jsonb
      ELSE app.openapi_type_schema(jfn.prorettype) END;
    IF jfn.proretset THEN
      result_schema := jsonb_build_object('type', 'array', 'items', result_schema);
    END IF;
    ok_content := '{}';
    IF doc.response_media IS NOT NULL THEN
      FOREACH mt IN ARRAY doc.response_media LOOP
        ok_content := ok_content || jsonb_build_object(mt, jsonb_build_object('schema',
          CASE WHEN mt = 'application/json' THEN result_schema ELSE '{"type": "string"}'::jsonb END));
      END LOOP;
    ELSIF (SELECT typnamespace = 'api'::regnamespace AND typtype = 'd' FROM pg_type WHERE oid = jfn.prorettype) THEN
      -- a media-type domain of `api` ("text/html"; "*/*": whatever the client asks)
      mt := (SELECT typname FROM pg_type WHERE oid = jfn.prorettype);
      ok_content := jsonb_build_object(CASE WHEN mt = '*/*' THEN 'application/octet-stream' ELSE mt END,
                                       jsonb_build_object('schema', '{"type": "string"}'::jsonb));
    ELSE
      ok_content := jsonb_build_object('application/json', jsonb_build_object('schema', result_schema));
    END IF;
    IF jfn.proretset THEN
      -- the rows of a set also as CSV (Accept: text/csv, sql/foundation/csv_output.sql)
      ok_content := ok_content || jsonb_build_object('text/csv', csv_content);
    END IF;
    responses := jsonb_build_object('200', jsonb_build_object('description', 'OK', 'content', ok_content));
    IF jfn.proretset THEN
      -- PostgREST answers a page of a set asked for with Range or limit and
      -- Prefer: count=exact with 206
      responses := responses || jsonb_build_object('206', jsonb_build_object(
        'description', '一部（ページ）/ Partial Content: one page of the rows', 'content', ok_content));
    END IF;

    -- the refusals with their stable codes, by HTTP status
    errs := app.openapi_error_codes(fns);
    responses := responses || coalesce((
      SELECT jsonb_object_agg(s.status::text, jsonb_build_object(
               'description', s.description,
               'x-error-codes', s.codes,
               'content', jsonb_build_object('application/json', jsonb_build_object('schema',
                            '{"$ref": "#/components/schemas/Error"}'::jsonb))))
        FROM (SELECT (e ->> 'status')::integer AS status,
                     string_agg(DISTINCT e ->> 'code' || coalesce(' (' || (e ->> 'sqlstate') || ')', ''), ', ') AS description,
                     jsonb_agg(DISTINCT e ->> 'code') AS codes
                FROM jsonb_array_elements(errs) e
               GROUP BY (e ->> 'status')::integer) s), '{}')
      || '{"default": {"$ref": "#/components/responses/Error"}}'::jsonb;
    -- a refusal the function answers itself with its own json (e.g. the bulk
    -- issuance's 422 with the problems line by line): set_config('response.status', '4xx')
    responses := responses || coalesce((
      SELECT jsonb_object_agg(m[1], jsonb_build_object(
               'description', '応答の本文で理由を返す / the answer itself says why', 'content', ok_content))
        FROM (SELECT DISTINCT regexp_matches(p.prosrc, 'set_config\(\s*''response\.status''\s*,\s*''(4[0-9]{2})''', 'g') m
                FROM pg_proc p WHERE p.oid = ANY (fns)) s), '{}');

    security := CASE WHEN bool_or(has_function_privilege('web_anon', o, 'EXECUTE'))
                     THEN bearer_optional ELSE bearer_only END
      FROM unnest(fns) o;
    op := jsonb_strip_nulls(jsonb_build_object(
      'operationId', fname,
      'summary', coalesce(ja, doc.description_en, fname),
      'description', nullif(desc_text, ''),
      'security', security,
      'x-roles', (SELECT jsonb_agg(DISTINCT r) FROM unnest(fns) o, jsonb_array_elements_text(app.openapi_roles(o, NULL, NULL)) r),
      'responses', responses));
    IF jfn.proretset THEN
      -- PostgREST's own query parameters apply to the rows of a set
      op := op || jsonb_build_object('parameters', page_params);
    END IF;
    paths := paths || jsonb_build_object('/rpc/' || fname, jsonb_build_object(
      'post', op || CASE WHEN body_content = '{}'::jsonb THEN '{}'::jsonb
                         ELSE jsonb_build_object('requestBody', jsonb_build_object(
                           'required', jsonb_array_length(required) > 0 OR NOT body_content ? 'application/json',
                           'content', body_content)) END)
      -- GET: only a read-only function whose arguments fit a URL (PostgREST
      -- runs GET read-only) and never one that takes a secret
      || CASE WHEN jfn.provolatile IN ('s', 'i') AND body_content ?& ARRAY['application/json']
                   AND NOT EXISTS (SELECT FROM jsonb_object_keys(props) k WHERE k = ANY (secret_args))
              THEN jsonb_build_object('get', op || jsonb_build_object('operationId', fname || '_get', 'parameters',
                     query_params || CASE WHEN jfn.proretset THEN page_params ELSE '[]'::jsonb END))
              WHEN jfn.provolatile IN ('s', 'i') AND jfn.pronargs = 0
              THEN jsonb_build_object('get', op || jsonb_build_object('operationId', fname || '_get'))
              ELSE '{}'::jsonb END);
  END LOOP;

  -- views: read with PostgREST's filters; written where a role may
  FOR v IN
    SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class') AS ja, d.description_en AS en, d.parameters
      FROM pg_class c LEFT JOIN app.api_docs d ON d.name = c.relname
     WHERE c.relnamespace = 'api'::regnamespace AND c.relkind IN ('v', 'r', 'm')
     ORDER BY c.relname
  LOOP
    col_params := coalesce((
      SELECT jsonb_agg(jsonb_build_object('name', a.attname, 'in', 'query', 'required', false,
               'description', 'PostgREST の絞り込み（例: eq.1）/ a PostgREST filter, e.g. eq.1',
               'schema', '{"type": "string"}'::jsonb) ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]');
    op := jsonb_strip_nulls(jsonb_build_object(
      'summary', coalesce(v.ja, v.en, v.relname),
      'description', nullif(concat_ws(E'\n\n', v.ja, v.en), ''),
      'security', CASE WHEN has_table_privilege('web_anon', v.oid, 'SELECT') THEN bearer_optional ELSE bearer_only END));
    item := jsonb_build_object('$ref', '#/components/schemas/' || v.relname);
    paths := paths || jsonb_build_object('/' || v.relname,
      jsonb_build_object('get', op || jsonb_build_object(
        'operationId', v.relname || '_list',
        'x-roles', app.openapi_roles(NULL, v.oid, 'SELECT'),
        'parameters', page_params || col_params,
        'responses', jsonb_build_object(
          '200', jsonb_build_object('description', 'OK', 'content', jsonb_build_object('application/json',
                   jsonb_build_object('schema', jsonb_build_object('type', 'array', 'items', item)), 'text/csv', csv_content)),
          '206', jsonb_build_object('description', '一部（ページ）/ Partial Content: one page of the rows',
                   'content', jsonb_build_object('application/json',
                   jsonb_build_object('schema', jsonb_build_object('type', 'array', 'items', item)), 'text/csv', csv_content)),
          'default', '{"$ref": "#/components/responses/Error"}'::jsonb)))
      || CASE WHEN app.openapi_roles(NULL, v.oid, 'INSERT') <> '[]' THEN jsonb_build_object('post', op || jsonb_build_object(
           'operationId', v.relname || '_insert',
           'x-roles', app.openapi_roles(NULL, v.oid, 'INSERT'),
           'requestBody', jsonb_build_object('required', true, 'content', jsonb_build_object('application/json',
                            jsonb_build_object('schema', item))),
           'responses', '{"201": {"description": "Created"}, "default": {"$ref": "#/components/responses/Error"}}'::jsonb))
         ELSE '{}'::jsonb END
      || CASE WHEN app.openapi_roles(NULL, v.oid, 'UPDATE') <> '[]' THEN jsonb_build_object('patch', op || jsonb_build_object(
           'operationId', v.relname || '_update',
           'x-roles', app.openapi_roles(NULL, v.oid, 'UPDATE'),
           'parameters', col_params,
           'requestBody', jsonb_build_object('required', true, 'content', jsonb_build_object('application/json',
                            jsonb_build_object('schema', item))),
           'responses', '{"204": {"description": "Updated"}, "default": {"$ref": "#/components/responses/Error"}}'::jsonb))
         ELSE '{}'::jsonb END
      || CASE WHEN app.openapi_roles(NULL, v.oid, 'DELETE') <> '[]' THEN jsonb_build_object('delete', op || jsonb_build_object(
           'operationId', v.relname || '_delete',
           'x-roles', app.openapi_roles(NULL, v.oid, 'DELETE'),
           'parameters', col_params,
           'responses', '{"204": {"description": "Deleted"}, "default": {"$ref": "#/components/responses/Error"}}'::jsonb))
         ELSE '{}'::jsonb END);
  END LOOP;

  RETURN jsonb_build_object(
    'openapi', '3.1.0',
    'info', jsonb_build_object(
      'title', coalesce(obj_description('api'::regnamespace, 'pg_namespace'), 'nanbyo-db HTTP API'),
      'version', coalesce((SELECT max(version) FROM app.schema_migrations), '0'),
      'description',
        'データベースのカタログとコメントから生成した契約（PostgREST 自身の Swagger 2.0 文書は / にある）。'
        'エラーは共通のエラーオブジェクト {code, message, details, hint} で返り、details が安定したエラーコード (E_…) である。'
        || E'\n\n' ||
        'The contract, generated by the database from its catalog and comments (PostgREST''s own Swagger 2.0 '
        'document is at /). Every error is the common error object {code, message, details, hint}; details is the '
        'stable error code (E_…). An API token is refused by the pre-request check with 401 E_API_TOKEN_REVOKED, '
        'E_API_TOKEN_EXPIRED or E_API_TOKEN_INVALID and, outside its scopes, 403 E_API_TOKEN_SCOPE.'),
    'servers', '[{"url": "/"}]'::jsonb,
    'paths', paths,
    'components', jsonb_build_object(
      'schemas', schemas,
      'responses', jsonb_build_object('Error', jsonb_build_object(
        'description', 'エラー / error',
        'content', jsonb_build_object('application/json', jsonb_build_object('schema',
                     '{"$ref": "#/components/schemas/Error"}'::jsonb)))),
      'securitySchemes', jsonb_build_object('bearer', jsonb_build_object(
        'type', 'http', 'scheme', 'bearer', 'bearerFormat', 'JWT',
        'description', 'POST /rpc/login の token、または医療機関のシステム用 API トークン / '
                       'the token of POST /rpc/login, or an API token of a hospital system')))
  )::json;
END
$$;

-- GET /rpc/openapi: the document as this deploy built it (whoever asks gets
-- the same document).
CREATE OR REPLACE FUNCTION api.openapi()
RETURNS json
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- (plpgsql: the snapshot is made after this file, at the end of the deploy)
AS $$ BEGIN RETURN (SELECT d.document FROM app.openapi_document d); END $$;
COMMENT ON FUNCTION api.openapi() IS
  'API の OpenAPI 3.1 文書: データベースのカタログとコメントから生成（個人情報を含まない）';
