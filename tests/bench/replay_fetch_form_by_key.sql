-- pgbench script (.ci/bench-lookup-cost.sh): one access-key lookup as
-- PostgREST 12 sends it, statement by statement, without HTTP. :claims is
-- the JWT claims of a logged-in municipality staff account; the key is a
-- random one of the 100,000 issued (bench_replay_keys).
\set n random(1, 100000)
SELECT key FROM bench_replay_keys WHERE n = :n \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"api", ""', true), set_config('role', 'municipality_staff', true), set_config('request.jwt.claims', :claims, true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/fetch_form_by_key', true), set_config('request.headers', '{"host":"127.0.0.1:3002","content-type":"application/json","content-length":"37"}', true), set_config('request.cookies', '{}', true);
SELECT "app"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT json_build_object('access_key', :key::text) AS json_data) pgrst_payload, LATERAL (SELECT CASE WHEN json_typeof(pgrst_payload.json_data) = 'array' THEN pgrst_payload.json_data ELSE json_build_array(pgrst_payload.json_data) END AS val) pgrst_uniform_json, LATERAL (SELECT "access_key" FROM json_to_recordset(pgrst_uniform_json.val) AS _("access_key" text) LIMIT 1) pgrst_body , LATERAL (SELECT "api"."fetch_form_by_key"("access_key" := pgrst_body."access_key") pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "fetch_form_by_key".* FROM "pgrst_source" AS "fetch_form_by_key" LIMIT 1 OFFSET 0) _postgrest_t;
COMMIT;
