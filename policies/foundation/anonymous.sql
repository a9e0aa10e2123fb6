-- What a request without a JWT may do: the liveness check, nothing else.
GRANT USAGE ON SCHEMA api TO web_anon;
GRANT EXECUTE ON FUNCTION api.health() TO web_anon;
