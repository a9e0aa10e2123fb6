-- API tokens of hospital systems (#17 item 5): the scopes' vocabulary, the
-- role api_token, the admin's calls, and which tokens the pre-request check
-- lets through (app.api_token_problem). The HTTP round trip (create, import,
-- revoke, refused) is tests/http/test_api_tokens.py.
\set ON_ERROR_STOP 1
BEGIN;
SELECT * FROM no_plan();
\ir fixtures/accounts.sql

-- the vocabulary and the one list of what each scope opens
SELECT ok(NOT EXISTS (SELECT FROM app.api_token_scopes WHERE coalesce(label_ja, '') !~ '[ぁ-んァ-ヶ一-龥]'),
          'every token scope has a Japanese label');
SELECT set_eq(
  $$SELECT DISTINCT app.api_token_scope_of(p.proname) FROM pg_proc p
     WHERE p.pronamespace = 'api'::regnamespace AND app.api_token_scope_of(p.proname) IS NOT NULL$$,
  $$SELECT code FROM app.api_token_scopes$$,
  'every scope opens an api function, and every function opened names a scope of the vocabulary');
SELECT set_eq(
  $$SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace IN ('api'::regnamespace, 'app'::regnamespace)
       AND has_function_privilege('api_token', p.oid, 'EXECUTE')$$,
  $$SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'api'::regnamespace AND app.api_token_scope_of(p.proname) IS NOT NULL
    UNION VALUES ('app.check_request()'), ('app.add_response_header(text,text)')$$,
  'api_token may run exactly the functions of the scopes (and the pre-request check)');
SELECT ok(NOT rolcanlogin, 'api_token cannot log in') FROM pg_roles WHERE rolname = 'api_token';
SELECT is((SELECT count(*)::integer FROM pg_auth_members m WHERE m.member = 'api_token'::regrole), 0,
          'api_token is a member of no role (no group role, not api_user)');
SELECT ok(pg_has_role('authenticator', 'api_token', 'MEMBER'), 'PostgREST may switch to api_token');
SELECT ok(NOT has_table_privilege('api_token', t, p), format('api_token has no %s on %s', p, t))
  FROM unnest(ARRAY['app.api_tokens', 'app.api_token_grants', 'app.audit_log', 'app.forms', 'app.accounts']) t
 CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE']) p;

-- only the hospital admin makes tokens, for the own hospital
SELECT is(pg_temp.run_as('clerk_a', $$SELECT api.create_api_token('EHR', '{import}', now() + interval '30 days')$$),
          'ERROR 42501', 'a clerk may not call it at all');
SELECT is(pg_temp.run_as('doctor_b', $$SELECT 1$$), '1', 'fixture check');
UPDATE app.accounts SET is_hospital_admin = false WHERE login_id = 'doctor_b';
SELECT is(pg_temp.run_as('doctor_b', $$SELECT api.create_api_token('EHR', '{import}', now() + interval '30 days')$$),
          'ERROR 42501 E_NOT_HOSPITAL_ADMIN', 'a doctor without the admin right may not make one');
SELECT is(pg_temp.run_as('hospital_admin_a', format($$SELECT api.create_api_token(%L, %L, %L)$$, n, s, e)),
          'ERROR 22023 ' || code, 'refused: ' || code)
  FROM (VALUES ('', '{import}', (now() + interval '1 day')::text, 'E_API_TOKEN_NAME'),
               (E'EHR\u202e', '{import}', (now() + interval '1 day')::text, 'E_API_TOKEN_NAME'),
               ('EHR', '{}', (now() + interval '1 day')::text, 'E_API_TOKEN_SCOPE_REQUIRED'),
               ('EHR', '{import,everything}', (now() + interval '1 day')::text, 'E_API_TOKEN_SCOPE_UNKNOWN'),
               ('EHR', '{import}', NULL, 'E_API_TOKEN_EXPIRY_REQUIRED'),
               ('EHR', '{import}', (now() - interval '1 minute')::text, 'E_API_TOKEN_EXPIRY_PAST'),
               ('EHR', '{import}', (now() + interval '1 year 1 day')::text, 'E_API_TOKEN_EXPIRY_TOO_LONG')) v (n, s, e, code);

CREATE TEMP TABLE made AS
SELECT pg_temp.run_as('hospital_admin_a',
         $$SELECT api.create_api_token(' 電子カルテ ', '{import,import}', now() + interval '1 year')$$)::jsonb AS answer;
SELECT is(answer ->> 'name', '電子カルテ', 'the name is kept trimmed') FROM made;
SELECT is(answer -> 'scopes', '["import"]', 'its scopes') FROM made;
SELECT is((answer ->> 'hospital_id')::bigint, pg_temp.org('1310123455'), 'bound to the admin''s hospital') FROM made;
CREATE TEMP TABLE tok AS
SELECT (answer ->> 'id')::bigint AS id, answer ->> 'token' AS token,
       convert_from(decode(translate(split_part(answer ->> 'token', '.', 2), '-_', '+/')
                           || repeat('=', (4 - length(split_part(answer ->> 'token', '.', 2)) % 4) % 4), 'base64'),
                    'UTF8')::jsonb AS claims
  FROM made;
SELECT is(claims - 'jti' - 'iat' - 'exp',
          jsonb_build_object('role', 'api_token', 'tid', id::text, 'org', pg_temp.org('1310123455')::text),
          'the JWT names role api_token, the token and the hospital, and no account or session') FROM tok;
SELECT is(length(claims ->> 'jti'), 43, 'and a random secret part (32 bytes, base64url)') FROM tok;
SELECT is((SELECT secret_hash FROM app.api_tokens t WHERE t.id = tok.id), app.api_token_hash(claims ->> 'jti'),
          'only a keyed hash of it is stored') FROM tok;
SELECT ok(app.api_token_hash('x') <> encode(sha256('x'), 'hex'), 'the hash is keyed');
SELECT is((SELECT count(*)::integer FROM app.audit_log l
            WHERE l.detail::text LIKE '%' || (tok.claims ->> 'jti') || '%' OR l.detail::text LIKE '%' || tok.token || '%'), 0,
          'the audit log holds neither token nor secret') FROM tok;
SELECT is((SELECT count(*)::integer FROM app.audit_log l
            WHERE l.action = 'api_token.create' AND l.target_id = tok.id::text
              AND l.actor_login_id = 'hospital_admin_a'), 1, 'making it is logged') FROM tok;
SELECT throws_ok($$INSERT INTO app.api_tokens (hospital_id, name, secret_hash, created_by, expires_at)
                   VALUES (1, 'x', 'x', 1, now() + interval '2 years')$$, '23514', NULL,
                 'the table refuses a token of more than a year too');

-- listing: never the secret; other hospitals see nothing
SELECT ok(pg_temp.run_as('doctor_a', $$SELECT api.list_api_tokens()::text$$)::jsonb @> jsonb_build_array(jsonb_build_object('id', tok.id, 'status', 'active')),
          'the other admin of the hospital lists it') FROM tok;
SELECT ok(pg_temp.run_as('doctor_a', $$SELECT api.list_api_tokens()::text$$) NOT LIKE '%' || (claims ->> 'jti') || '%'
          AND pg_temp.run_as('doctor_a', $$SELECT api.list_api_tokens()::text$$) NOT LIKE '%"token"%',
          'without token or secret') FROM tok;
SELECT is(pg_temp.run_as('hospital_admin_b', $$SELECT api.list_api_tokens()::text$$), '[]',
          'another hospital''s admin lists none');
SELECT is(pg_temp.run_as('hospital_admin_b', format($$SELECT api.revoke_api_token(%s)$$, id)),
          'ERROR P0002 E_API_TOKEN_NOT_FOUND', 'nor revokes it') FROM tok;

-- the pre-request check's decision
SELECT is(app.api_token_problem(claims, 'import_forms_xml'), NULL, 'a live token may import') FROM tok;
SELECT is(app.api_token_problem(claims, 'check_forms_xml'), NULL, 'and check a file') FROM tok;
SELECT is(split_part(app.api_token_problem(claims, f), ':', 1), 'E_API_TOKEN_SCOPE', 'but not call ' || coalesce(f, 'a view'))
  FROM tok, unnest(ARRAY['search_forms', 'whoami', 'create_api_token', 'list_api_tokens', NULL]) f;
SELECT is(split_part(app.api_token_problem(c, 'import_forms_xml'), ':', 1), 'E_API_TOKEN_INVALID', why)
  FROM tok, LATERAL (VALUES
    (claims || '{"jti": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}', 'a forged secret part is refused'),
    (claims - 'jti', 'a token without its secret part is refused'),
    (claims || jsonb_build_object('org', pg_temp.org('1410543215')::text), 'a token claiming another hospital is refused'),
    (claims || '{"tid": "1 OR true"}', 'a malformed token id is refused')) v (c, why);
SELECT set_config('request.jwt.claims', claims::text, true) FROM tok;
SELECT app.audit('test.token_entry', 'success');
SELECT set_config('request.jwt.claims', '', true);
SELECT is((SELECT row(l.api_token_id, l.actor_role, l.actor_login_id, l.actor_organisation_id, l.actor_account_id)::text
             FROM app.audit_log l WHERE l.action = 'test.token_entry'),
          row(tok.id, 'api_token', 'api_token:' || tok.id, pg_temp.org('1310123455'),
              pg_temp.account('hospital_admin_a'))::text,
          'an entry of a token''s request names the token, its role and hospital, on behalf of its maker') FROM tok;

-- revoked, expired
SELECT is(pg_temp.run_as('doctor_a', format($$SELECT api.revoke_api_token(%s) ->> 'status'$$, id)), 'revoked',
          'the other admin of the hospital revokes it') FROM tok;
SELECT is(split_part(app.api_token_problem(claims, 'import_forms_xml'), ':', 1), 'E_API_TOKEN_REVOKED',
          'a revoked token is refused') FROM tok;
SELECT is((SELECT count(*)::integer FROM app.audit_log l WHERE l.action = 'api_token.revoke' AND l.target_id = tok.id::text),
          1, 'revoking is logged') FROM tok;
CREATE TEMP TABLE tok2 AS
SELECT (a ->> 'id')::bigint AS id,
       convert_from(decode(translate(split_part(a ->> 'token', '.', 2), '-_', '+/')
                           || repeat('=', (4 - length(split_part(a ->> 'token', '.', 2)) % 4) % 4), 'base64'),
                    'UTF8')::jsonb AS claims
  FROM (SELECT pg_temp.run_as('doctor_a', $$SELECT api.create_api_token('バッチ', '{import}', now() + interval '1 day')$$)::jsonb a) m;
UPDATE app.api_tokens t SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'
  FROM tok2 WHERE t.id = tok2.id;
SELECT is(split_part(app.api_token_problem(claims, 'import_forms_xml'), ':', 1), 'E_API_TOKEN_EXPIRED',
          'an expired token is refused') FROM tok2;
SELECT ok(app.api_token_problem(claims, 'import_forms_xml') ~ '[ぁ-ん]', 'with a Japanese message') FROM tok2;

SELECT * FROM finish();
ROLLBACK;
