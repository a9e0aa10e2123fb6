-- API tokens for hospital systems (#17 item 5): a hospital admin gives an
-- EHR or batch system a token of its own, scoped, bound to the hospital,
-- with an expiry, revocable, stored only as a keyed hash; every use is in
-- the audit log under the token's id. The functions are in
-- sql/accounts/api_tokens.sql, the check of every request in
-- app.check_request (sql/foundation/request_check.sql).

-- The vocabulary of scopes: what a token may be allowed to do. Which api
-- functions each scope opens is code (app.api_token_scope_of).
CREATE TABLE app.api_token_scopes (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL
);
COMMENT ON TABLE app.api_token_scopes IS 'APIトークンの権限範囲';
INSERT INTO app.api_token_scopes VALUES
  ('import', '一括登録（XMLファイルの登録と事前チェック）');

CREATE TABLE app.api_tokens (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hospital_id  bigint NOT NULL REFERENCES app.organisations (id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- keyed hash (app.api_token_hash) of the token's random part (the JWT's
  -- jti claim); the token itself is shown once and never stored
  secret_hash  text NOT NULL UNIQUE,
  created_by   bigint NOT NULL REFERENCES app.accounts (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  revoked_by   bigint REFERENCES app.accounts (id),
  CHECK (expires_at > created_at AND expires_at <= created_at + interval '1 year'),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
COMMENT ON TABLE app.api_tokens IS 'APIトークン（医療機関のシステム用。秘密の部分は鍵付きハッシュだけを保存）';
CREATE INDEX api_tokens_hospital ON app.api_tokens (hospital_id);

CREATE TABLE app.api_token_grants (
  token_id  bigint NOT NULL REFERENCES app.api_tokens (id),
  scope     text NOT NULL REFERENCES app.api_token_scopes (code),
  PRIMARY KEY (token_id, scope)
);
COMMENT ON TABLE app.api_token_grants IS 'APIトークンに与えた権限範囲';

-- The server secret of the tokens' keyed hash.
INSERT INTO app.server_secrets (name, value) VALUES ('api_token_secret', nanbyo.random_token(32));

-- Every audit entry of a request made with a token names the token. The
-- default reads the (verified) JWT claims, so every writer of the log,
-- including the set-based ones, fills it; the refusal writer, which runs
-- on a connection of its own, names it itself.
ALTER TABLE app.audit_log ADD COLUMN api_token_id bigint
  DEFAULT (CASE WHEN nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tid' ~ '^[0-9]{1,18}$'
                THEN (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tid')::bigint END);
COMMENT ON COLUMN app.audit_log.api_token_id IS 'APIトークンによる要求のとき、そのトークン';
CREATE INDEX audit_log_api_token ON app.audit_log (api_token_id, at) WHERE api_token_id IS NOT NULL;
