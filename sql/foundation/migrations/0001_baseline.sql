-- Baseline 0.1.0, foundation: extensions, schemas, the one vocabulary, the
-- server's secrets and the audit log. A run-once migration: never edit it
-- after it shipped; change the schema with a new migration (README,
-- "Changing the schema").

-- Extensions the application is built on.
-- pg_cron can only be created in the database named by cron.database_name.
CREATE EXTENSION IF NOT EXISTS pg_cron;
-- nanbyo installs its functions into the schema `nanbyo` (nanbyo.control).
CREATE EXTENSION IF NOT EXISTS nanbyo;
-- dblink: refusals are written to the audit log on a connection of their
-- own, so they stay although the refused request rolls back
-- (app.record_refusal in sql/foundation/audit.sql).
-- In a schema of its own that no API role may use.
CREATE SCHEMA IF NOT EXISTS dblink;
REVOKE ALL ON SCHEMA dblink FROM PUBLIC;
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA dblink;

-- Schemas. Tables live in private schemas; PostgREST exposes only `api`,
-- which holds views and functions, so changing a table never silently
-- changes the HTTP API. (`app` may exist already: the migration runner
-- keeps its record there, app.schema_migrations.) `api` holds code only and
-- is made anew on every deploy (sql/deploy.sh).
CREATE SCHEMA IF NOT EXISTS app;
COMMENT ON SCHEMA app IS 'Private: the application''s tables. Never exposed over HTTP.';

-- ---------------------------------------------------------------------------
-- The vocabulary: every code the tables and functions use for programs,
-- purposes, form statuses, review results, organisation kinds and roles is
-- defined here once, with the Japanese label a user is shown. Columns refer
-- to these tables; functions check against them; the database roles are
-- made from app.roles (policies/foundation/roles.sql).

CREATE TABLE app.programs (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL,
  -- 法別番号 of the public payer number (公費負担者番号)
  law_code  text NOT NULL UNIQUE
);
COMMENT ON TABLE app.programs IS '制度: 難病（指定難病）・小慢（小児慢性特定疾病）';
INSERT INTO app.programs VALUES
  ('nanbyo', '指定難病', '54'),
  ('shoman', '小児慢性特定疾病', '52');

CREATE TABLE app.form_purposes (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL
);
COMMENT ON TABLE app.form_purposes IS '票の目的: 新規・更新・登録のみ（軽症者登録等）';
INSERT INTO app.form_purposes VALUES
  ('new', '新規'),
  ('renewal', '更新'),
  ('registration_only', '登録のみ（軽症者登録等）');

-- The lifecycle of a form, in order; it moves forward one step at a time
-- (app.form_status_transitions).
CREATE TABLE app.form_statuses (
  code      text PRIMARY KEY,
  position  integer NOT NULL UNIQUE,
  label_ja  text NOT NULL
);
COMMENT ON TABLE app.form_statuses IS '票の状態';
INSERT INTO app.form_statuses VALUES
  ('draft', 1, '下書き'),
  ('confirmed', 2, '確定'),
  ('issued', 3, 'アクセスキー発行済み'),
  ('taken_over', 4, '自治体受付済み'),
  ('reviewed', 5, '審査済み'),
  ('registered', 6, 'DB登録済み');

-- The one list of allowed status changes, with the action that makes each
-- (app.form_transition in sql/forms/lifecycle.sql checks against it).
CREATE TABLE app.form_status_transitions (
  from_status  text NOT NULL REFERENCES app.form_statuses (code),
  to_status    text NOT NULL REFERENCES app.form_statuses (code),
  action_ja    text NOT NULL,
  PRIMARY KEY (from_status, to_status)
);
COMMENT ON TABLE app.form_status_transitions IS '票の状態の移り変わり（一方向）';
INSERT INTO app.form_status_transitions VALUES
  ('draft', 'confirmed', '確定'),
  ('confirmed', 'issued', 'アクセスキー発行'),
  ('issued', 'taken_over', '自治体の受付'),
  ('taken_over', 'reviewed', '審査結果の登録'),
  ('reviewed', 'registered', 'DB登録');

CREATE TABLE app.review_results (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL
);
COMMENT ON TABLE app.review_results IS '自治体の審査結果';
INSERT INTO app.review_results VALUES
  ('granted', '認定'),
  ('refused', '不認定'),
  ('pending', '保留');

CREATE TABLE app.organisation_kinds (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL
);
COMMENT ON TABLE app.organisation_kinds IS '組織の種類';
INSERT INTO app.organisation_kinds VALUES
  ('municipality', '自治体'),
  ('hospital', '医療機関'),
  ('operator', '運営主体'),
  ('ministry', '厚生労働省'),
  ('contractor', '外部委託事業者');

-- The user types of MISSION.md. Each is a database role of the same name
-- that PostgREST switches to, a member of its organisation kind's group
-- role (e.g. municipality_users) so that a policy names the group.
CREATE TABLE app.roles (
  code               text PRIMARY KEY,
  organisation_kind  text NOT NULL REFERENCES app.organisation_kinds (code),
  -- the group role whose members share this kind's policies
  role_group         text NOT NULL,
  label_ja           text NOT NULL,
  UNIQUE (code, organisation_kind)
);
COMMENT ON TABLE app.roles IS '利用者の種類（データベースのロールと同名）';
INSERT INTO app.roles VALUES
  ('doctor', 'hospital', 'hospital_users', '指定医（難病指定医・協力難病指定医・小慢指定医）'),
  ('clerk', 'hospital', 'hospital_users', '医療クラーク等'),
  ('hospital_admin', 'hospital', 'hospital_users', '医療機関の責任者（指定医以外）'),
  ('municipality_admin', 'municipality', 'municipality_users', '自治体 管理者'),
  ('municipality_staff', 'municipality', 'municipality_users', '自治体 一般ユーザ'),
  ('operator_admin', 'operator', 'operator_users', '運営主体 管理者'),
  ('operator_staff', 'operator', 'operator_users', '運営主体 一般ユーザ'),
  ('ministry_admin', 'ministry', 'ministry_users', '厚生労働省 管理者'),
  ('ministry_staff', 'ministry', 'ministry_users', '厚生労働省 一般ユーザ'),
  ('contractor', 'contractor', 'contractor_users', '外部委託事業者（入力のみ）');

-- ---------------------------------------------------------------------------
-- Secrets the database needs, all made here, in one place, at the first
-- deploy: a fresh database signs and hashes with fresh random secrets. Read
-- only by SECURITY DEFINER functions; no role is granted the table.
--   jwt_secret           signs the JWTs (.ci/stack.sh reads it out for
--                        PostgREST; docker/initdb replaces it)
--   audit_value_secret   keyed hash of personal values searched for, kept
--                        in the audit log instead of the value
--                        (app.audit_value_hash)
--   dummy_password_hash  an Argon2id hash verified for unknown login ids,
--                        so that a wrong id and a wrong password take the
--                        same time (api.login)
--   login_key_secret     keyed hash of a typed login id for the lockout
--                        (app.login_key), so the id itself is never stored
--   access_key_secret    keyed hash of access keys (app.access_key_hash)
CREATE TABLE app.server_secrets (
  name  text PRIMARY KEY,
  value text NOT NULL
);
REVOKE ALL ON app.server_secrets FROM PUBLIC;
INSERT INTO app.server_secrets (name, value)
VALUES ('jwt_secret', nanbyo.random_token(48)),
       ('audit_value_secret', nanbyo.random_token(32)),
       ('dummy_password_hash', nanbyo.hash_password(nanbyo.random_token(24))),
       ('login_key_secret', nanbyo.random_token(32)),
       ('access_key_secret', nanbyo.random_token(32));

-- ---------------------------------------------------------------------------
-- The audit log (E3, D2): every account action, login success and failure,
-- and every read of personal data. Append-only: no role is granted UPDATE,
-- DELETE or TRUNCATE, and triggers refuse them even for the table owner
-- (sql/foundation/audit.sql, beside its writers).
CREATE TABLE app.audit_log (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at               timestamptz NOT NULL DEFAULT clock_timestamp(),
  request_id       text,
  actor_account_id bigint,
  actor_login_id   text,
  actor_role       text,
  actor_organisation_id bigint,
  action           text NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('success', 'failure', 'refused')),
  target_kind      text,
  target_id        text,
  detail           jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE app.audit_log IS '操作ログ（追記のみ）';
CREATE INDEX audit_log_at ON app.audit_log USING brin (at);
CREATE INDEX audit_log_actor ON app.audit_log (actor_account_id, at);
CREATE INDEX audit_log_target ON app.audit_log (target_kind, target_id);
CREATE INDEX audit_log_organisation ON app.audit_log (actor_organisation_id, at);
-- The access-key rate limit counts an account's recent wrong keys: only
-- those rows are indexed, so the count stays small however many good
-- lookups there were (app.recent_access_key_failures).
CREATE INDEX audit_log_access_key_failures ON app.audit_log (actor_account_id, at)
  WHERE action = 'access_key.lookup' AND outcome = 'failure';
