-- Baseline 0.1.0, accounts: organisations, accounts, sessions, enrolment
-- codes, the login throttle, the mail outbox and secondary hospitals. A
-- run-once migration: never edit it after it shipped.

-- Organisations (D4 master data, maintained by the operator): municipalities,
-- hospitals, the operators, the Ministry and contractors. One table, because
-- accounts, audit and every later table point at "an organisation"; the
-- check constraints keep each kind's own columns consistent.
CREATE TABLE app.organisations (
  id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind                     text NOT NULL REFERENCES app.organisation_kinds (code),
  -- municipality: 6-digit local-government code (地方公共団体コード);
  -- hospital: 10-digit medical institution code (医療機関コード, with check digit);
  -- others: a short code given by the operator (e.g. OP01).
  code                     text NOT NULL,
  name                     text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
  -- 2-digit prefecture code (01 北海道 … 47 沖縄県); null for national bodies.
  prefecture_code          text CHECK (prefecture_code ~ '^(0[1-9]|[1-3][0-9]|4[0-7])$'),
  -- municipalities only
  municipality_kind        text CHECK (municipality_kind IN
                             ('prefecture', 'designated_city', 'core_city', 'child_guidance_city')),
  runs_nanbyo              boolean NOT NULL DEFAULT false,
  runs_shoman              boolean NOT NULL DEFAULT false,
  -- hospitals only: the municipalities that issue its doctors' IDs (A1)
  nanbyo_authority_id      bigint REFERENCES app.organisations (id),
  shoman_authority_id      bigint REFERENCES app.organisations (id),
  -- login ids are <code>-<seq>; the next seq to hand out
  next_account_seq         integer NOT NULL DEFAULT 1,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, code),
  UNIQUE (id, kind),
  CONSTRAINT organisation_code_format CHECK (CASE kind
    WHEN 'municipality' THEN code ~ '^[0-9]{6}$'
    WHEN 'hospital' THEN code ~ '^[0-9]{10}$' AND nanbyo.valid_medical_institution_code(code)
    ELSE code ~ '^[A-Z0-9]{2,10}$' END),
  CONSTRAINT municipality_columns CHECK (
    (kind = 'municipality') = (municipality_kind IS NOT NULL)
    AND (kind = 'municipality' OR NOT (runs_nanbyo OR runs_shoman))
    AND (kind <> 'municipality' OR prefecture_code IS NOT NULL)),
  -- nanbyō is run by prefectures and designated cities only
  CONSTRAINT nanbyo_run_by_prefecture_or_designated_city CHECK (
    NOT runs_nanbyo OR municipality_kind IN ('prefecture', 'designated_city')),
  CONSTRAINT hospital_columns CHECK (
    kind = 'hospital' AND prefecture_code IS NOT NULL
    OR kind <> 'hospital' AND nanbyo_authority_id IS NULL AND shoman_authority_id IS NULL)
);
COMMENT ON TABLE app.organisations IS
  '組織マスタ: 自治体・医療機関・運営主体・厚生労働省・外部委託事業者';

CREATE INDEX organisations_nanbyo_authority ON app.organisations (nanbyo_authority_id);
CREATE INDEX organisations_shoman_authority ON app.organisations (shoman_authority_id);
-- Accounts (A1–A11). One row per login ID. The `role` is the PostgreSQL role
-- PostgREST switches to; it must fit the kind of organisation the account
-- belongs to. A doctor has one ID per program (A1), so the program and the
-- doctor's numbers live on the account.
CREATE TABLE app.accounts (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login_id                  text NOT NULL UNIQUE,
  role                      text NOT NULL,
  organisation_id           bigint NOT NULL,
  -- the kind of organisation the role belongs to (app.roles), filled in by
  -- a trigger (sql/accounts/accounts.sql); the two foreign keys below make
  -- the role fit the organisation
  organisation_kind         text NOT NULL,
  -- who issued it; only this organisation changes or deletes it (A3).
  -- Null for accounts set up by the operator's installation scripts.
  issued_by_organisation_id bigint REFERENCES app.organisations (id),
  issued_by_account_id      bigint REFERENCES app.accounts (id),
  name                      text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 100),
  name_kana                 text NOT NULL CHECK (btrim(name_kana) <> '' AND length(name_kana) <= 100),
  email                     text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
  password_hash             text NOT NULL,
  password_must_change      boolean NOT NULL DEFAULT true,
  -- sha256 of the encryption key file's secret (A7); null = not enrolled yet
  -- or revoked: the next login goes through enrolment again.
  key_hash                  text,
  key_issued_at             timestamptz,
  enrolled                  boolean NOT NULL GENERATED ALWAYS AS (key_hash IS NOT NULL) STORED,
  -- the key was revoked (key reissue, designation change): the next
  -- enrolment needs a one-time enrolment code from the issuer or hospital
  -- admin as well as the password (app.enrolment_codes)
  enrolment_code_required   boolean NOT NULL DEFAULT false,
  last_login_at             timestamptz,
  -- the hospital admin right (責任者権限, A5); hospital accounts only
  is_hospital_admin         boolean NOT NULL DEFAULT false,
  -- doctors only
  program                   text REFERENCES app.programs (code),
  doctor_kind               text CHECK (doctor_kind IN ('designated', 'cooperating')),
  medical_registry_number   text CHECK (medical_registry_number ~ '^[0-9]{1,7}$'),
  designated_doctor_number  text CHECK (designated_doctor_number ~ '^[A-Za-z0-9-]{1,20}$'),
  designation_expires_on    date,
  -- A9: a deleted account stays for the record but can do nothing
  deleted_at                timestamptz,
  deletion_reason           text CHECK (deletion_reason IN
                              ('resigned', 'moved', 'stopped_using', 'mistaken', 'kind_switch')),
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (role, organisation_kind) REFERENCES app.roles (code, organisation_kind),
  FOREIGN KEY (organisation_id, organisation_kind) REFERENCES app.organisations (id, kind)
    ON UPDATE RESTRICT,
  CONSTRAINT doctor_columns CHECK (CASE WHEN role = 'doctor' THEN
      program IS NOT NULL AND doctor_kind IS NOT NULL
      AND medical_registry_number IS NOT NULL AND designated_doctor_number IS NOT NULL
      AND designation_expires_on IS NOT NULL
      AND (doctor_kind = 'designated' OR program = 'nanbyo')
    ELSE program IS NULL AND doctor_kind IS NULL AND medical_registry_number IS NULL
      AND designated_doctor_number IS NULL AND designation_expires_on IS NULL END),
  CONSTRAINT hospital_admin_right CHECK (NOT is_hospital_admin OR role IN ('doctor', 'hospital_admin')),
  CONSTRAINT deletion_complete CHECK ((deleted_at IS NULL) = (deletion_reason IS NULL))
);
COMMENT ON TABLE app.accounts IS 'ユーザID（指定医・医療機関・自治体・運営主体・厚労省・外部委託）';

-- A1/A2: one live ID per doctor per program, by either number.
CREATE UNIQUE INDEX accounts_one_id_per_registry_number
  ON app.accounts (program, medical_registry_number) WHERE role = 'doctor' AND deleted_at IS NULL;
CREATE UNIQUE INDEX accounts_one_id_per_designated_number
  ON app.accounts (program, designated_doctor_number) WHERE role = 'doctor' AND deleted_at IS NULL;
-- Columns the row-level-security policies filter on.
CREATE INDEX accounts_organisation ON app.accounts (organisation_id);
CREATE INDEX accounts_issued_by ON app.accounts (issued_by_organisation_id);

-- Sessions: one per successful login. A JWT names its session (`sid`); the
-- pre-request check refuses a JWT whose session was revoked (A6, A7).
CREATE TABLE app.sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id  bigint NOT NULL REFERENCES app.accounts (id),
  -- 'enrolment': first login, may only finish enrolment; 'full': everything
  stage       text NOT NULL CHECK (stage IN ('enrolment', 'full')),
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  revoked_why text,
  -- an enrolment session after a key revocation: the code it was opened with
  enrolment_code_id bigint
);
CREATE INDEX sessions_live_by_account ON app.sessions (account_id) WHERE revoked_at IS NULL;

-- One-time enrolment codes (A7): after a key revocation the password alone
-- no longer opens an enrolment session. The issuer or hospital admin who
-- revoked the key receives a short-lived code and hands it to the user;
-- enrolment needs password + code, and the code is spent when the new key
-- file is issued. Only its hash is stored.
CREATE TABLE app.enrolment_codes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES app.accounts (id),
  code_hash   text NOT NULL,
  issued_by   bigint REFERENCES app.accounts (id),
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  -- superseded by a newer code, or the account was deleted
  revoked_at  timestamptz,
  CONSTRAINT spent_once CHECK (used_at IS NULL OR revoked_at IS NULL)
);
-- at most one live code per account
CREATE UNIQUE INDEX enrolment_codes_one_live
  ON app.enrolment_codes (account_id) WHERE used_at IS NULL AND revoked_at IS NULL;

-- Login failures (A11), per login id as typed, for existing and unknown ids
-- alike, so that the answers cannot tell them apart. The id itself is not
-- stored: a password typed into the id field must not land in the database.
CREATE TABLE app.login_throttle (
  -- app.login_key(login id): a keyed hash
  login_key        text PRIMARY KEY,
  -- the account the id names, if it names one (for the admin's unlock)
  account_id       bigint REFERENCES app.accounts (id),
  failures         integer NOT NULL CHECK (failures > 0),
  locked_until     timestamptz,
  last_failure_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_throttle_account ON app.login_throttle (account_id) WHERE account_id IS NOT NULL;

-- Mail to account holders (A5, A7): every key revocation, key issue and
-- password reset is told to the account's registered address, so that a
-- takeover by someone with admin rights does not go unnoticed. The
-- deployment's mailer (role nanbyo_mailer) reads unsent rows, sends them
-- and marks them sent. No secret is ever written here.
CREATE TABLE app.mail_outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  account_id  bigint NOT NULL REFERENCES app.accounts (id),
  to_address  text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('key_revoked', 'key_issued', 'password_reset')),
  subject     text NOT NULL,
  body        text NOT NULL,
  request_id  text,
  sent_at     timestamptz,
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);
CREATE INDEX mail_outbox_unsent ON app.mail_outbox (id) WHERE sent_at IS NULL;
COMMENT ON TABLE app.mail_outbox IS '利用者へのメール通知（送信待ち）: 配備先のメール送信プロセスが読む';

-- A8 secondary hospitals (兼務先): the doctor applies, the hospital's admin decides.
CREATE TABLE app.secondary_hospitals (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id     bigint NOT NULL REFERENCES app.accounts (id),
  hospital_id    bigint NOT NULL REFERENCES app.organisations (id),
  status         text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'approved', 'rejected', 'withdrawn')),
  applied_at     timestamptz NOT NULL DEFAULT now(),
  decided_at     timestamptz,
  decided_by     bigint REFERENCES app.accounts (id),
  CONSTRAINT decision_complete CHECK (CASE status
    WHEN 'applied' THEN decided_at IS NULL AND decided_by IS NULL
    WHEN 'withdrawn' THEN true
    ELSE decided_at IS NOT NULL AND decided_by IS NOT NULL END)
);
-- one open or approved link per doctor and hospital
CREATE UNIQUE INDEX secondary_hospitals_one_live
  ON app.secondary_hospitals (account_id, hospital_id) WHERE status IN ('applied', 'approved');
CREATE INDEX secondary_hospitals_hospital ON app.secondary_hospitals (hospital_id);
CREATE INDEX secondary_hospitals_account ON app.secondary_hospitals (account_id);
