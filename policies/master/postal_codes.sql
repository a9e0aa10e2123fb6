-- The postal-code lookup (sql/master/postal_codes.sql): every logged-in
-- user, never an anonymous request. The master tables themselves are read
-- only through it.
GRANT EXECUTE ON FUNCTION api.lookup_postal_code(text) TO api_user;
