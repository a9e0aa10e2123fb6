-- GET/POST /rpc/health: the database answers and the extension is loaded.
CREATE OR REPLACE FUNCTION api.health()
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'status', 'ok',
    'database', current_database(),
    'server_time', now(),
    'nanbyo', nanbyo.build_info()
  )
$$;
COMMENT ON FUNCTION api.health() IS
  '稼働確認: データベースと nanbyo 拡張が応答することを返す (liveness check)';
