-- Setup of the scale benchmark (.ci/bench-scale.sh, issue #22): :n forms
-- over ten fiscal years (FY2017–FY2026) at :hospitals made-up hospitals,
-- beside the benchmark's own working set (tests/bench/forms_setup.sql),
-- which it does not touch. Each made-up patient has a form in five
-- consecutive years (a renewal a year) starting in a random year of
-- FY2017–FY2022; 90 % nanbyō with a few common diseases and a long tail
-- (disease rank ~ random()^3), 10 % shōman (children). Every form is what
-- ten years of use leave behind: registered (the current year's mostly
-- issued or taken over), with its personal part, two history rows (created,
-- then confirmed), an access key, a certification for the registered ones
-- and a recorded research consent for half of them; a clinical part of
-- about 1 kB. Straight INSERTs with triggers and foreign-key checks off
-- (session_replication_role = replica), so the rows the triggers would
-- write (app.form_ids, the history) are written here. Run on a scratch
-- database only.
\set ON_ERROR_STOP 1
SET session_replication_role = replica;
SET synchronous_commit = off;
SET client_min_messages = warning;

INSERT INTO app.organisations (kind, code, name) VALUES ('operator', 'BENCHS', 'スケールベンチ') ON CONFLICT DO NOTHING;
INSERT INTO app.accounts (login_id, role, organisation_id, organisation_kind, name, name_kana, password_hash,
                          password_must_change, key_hash)
SELECT 'bench-scale', 'operator_admin', id, 'operator', 'ベンチ', 'ベンチ', 'x', false, 'x'
  FROM app.organisations WHERE code = 'BENCHS'
ON CONFLICT DO NOTHING;

-- the hospitals: prefecture pp, a valid medical institution code, the prefecture's body issues their ids
CREATE TEMP TABLE bench_bodies AS
SELECT id, prefecture_code, row_number() OVER (ORDER BY prefecture_code) AS n
  FROM app.organisations WHERE kind = 'municipality' AND municipality_kind = 'prefecture' AND runs_nanbyo;
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', c.code, 'スケール病院' || h, b.prefecture_code, b.id, b.id
  FROM generate_series(1, :hospitals) h
  JOIN bench_bodies b ON b.n = 1 + h % (SELECT count(*) FROM bench_bodies)
 CROSS JOIN LATERAL (
   SELECT b.prefecture_code || '1' || lpad((800000 + h)::text, 6, '0') || d AS code
     FROM generate_series(0, 9) d
    WHERE nanbyo.valid_medical_institution_code(b.prefecture_code || '1' || lpad((800000 + h)::text, 6, '0') || d)
    LIMIT 1) c
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE bench_hospitals AS
SELECT id, nanbyo_authority_id AS body, row_number() OVER (ORDER BY id) - 1 AS n
  FROM app.organisations WHERE kind = 'hospital' AND name LIKE 'スケール病院%';
-- one doctor per hospital
INSERT INTO app.accounts (login_id, role, organisation_id, organisation_kind, name, name_kana, password_hash,
                          password_must_change, key_hash, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
SELECT 'scale-doctor-' || h.n, 'doctor', h.id, 'hospital', 'スケール 医師', 'スケール イシ', 'x', false, 'x', 'nanbyo',
       'designated', lpad((3000000 + h.n)::text, 7, '0'), 'S-' || h.n, current_date + 365
  FROM bench_hospitals h;
CREATE TEMP TABLE bench_doctors AS
SELECT a.id, h.n FROM app.accounts a JOIN bench_hospitals h ON h.id = a.organisation_id WHERE a.role = 'doctor';

CREATE TEMP TABLE bench_diseases AS
SELECT program, disease_code, row_number() OVER (PARTITION BY program ORDER BY disease_code) - 1 AS n,
       count(*) OVER (PARTITION BY program) AS of
  FROM app.diseases;
CREATE TEMP TABLE bench_versions AS
SELECT program, max(id) AS id FROM app.form_versions GROUP BY program;

-- kana from 40 family and 40 given names: a prefix search finds a few in a hospital
CREATE TEMP TABLE bench_kana (n integer, family text, given text);
INSERT INTO bench_kana
SELECT f.n * 40 + g.n, f.k, g.k
  FROM unnest(ARRAY['サトウ','スズキ','タカハシ','タナカ','イトウ','ワタナベ','ヤマモト','ナカムラ','コバヤシ','カトウ',
                    'ヨシダ','ヤマダ','ササキ','ヤマグチ','マツモト','イノウエ','キムラ','ハヤシ','シミズ','ヤマザキ',
                    'モリ','アベ','イケダ','ハシモト','ヤマシタ','イシカワ','ナカジマ','マエダ','フジタ','オガワ',
                    'ゴトウ','オカダ','ハセガワ','ムラカミ','コンドウ','イシイ','サイトウ','サカモト','エンドウ','アオキ'])
       WITH ORDINALITY f(k, n),
       unnest(ARRAY['ヒロシ','タカシ','アキラ','マコト','ツヨシ','ケンジ','ユウコ','ヨウコ','ケイコ','ミホ',
                    'アヤ','サトシ','ナオキ','ダイスケ','ショウタ','ハルト','ユイ','アオイ','リコ','メイ',
                    'ソウタ','レン','ユウト','ミナト','イツキ','サクラ','ヒナ','ユナ','ミオ','カエデ',
                    'タロウ','ジロウ','ハナコ','マサル','イサム','シゲル','ミツル','キヨシ','ススム','ノボル'])
       WITH ORDINALITY g(k, n);

CREATE TEMP TABLE bench_people AS
SELECT i, CASE WHEN random() < 0.9 THEN 'nanbyo' ELSE 'shoman' END AS program,
       (random() * (:hospitals - 1))::integer AS hospital_n, CASE WHEN random() < 0.55 THEN '2' ELSE '1' END AS sex,
       random() AS disease_r, random() AS age_r, 2017 + floor(random() * 6)::integer AS first_year,
       (random() * 1599)::integer AS kana_n
  FROM generate_series(1, (:n / 5)::integer) i;

INSERT INTO app.patients (id, hospital_id, name, name_kana, birth_date, sex, address, created_by)
OVERRIDING SYSTEM VALUE
SELECT 20000000 + p.i, h.id, 'スケール 患者' || p.i, k.family || ' ' || k.given,
       CASE p.program WHEN 'nanbyo' THEN date '2025-04-01' - ((20 + p.age_r * 70) * 365.25)::integer
                      ELSE date '2025-04-01' - ((1 + p.age_r * 17) * 365.25)::integer END,
       p.sex, '東京都千代田区' || p.i, d.id
  FROM bench_people p JOIN bench_hospitals h ON h.n = p.hospital_n JOIN bench_doctors d ON d.n = p.hospital_n
  JOIN bench_kana k ON k.n = 41 + p.kana_n;

-- the forms: person i's form of year y has id 20000000 + (y - 2017) * 1000000 + i
CREATE TEMP TABLE bench_forms AS
SELECT 20000000 + (y.fy - 2017) * 1000000 + p.i AS id, 20000000 + p.i AS patient_id, p.i, y.fy, p.program,
       h.id AS hospital_id, h.body, d.id AS doctor_id, dz.disease_code, v.id AS version_id,
       y.fy = p.first_year AS first
  FROM bench_people p
 CROSS JOIN LATERAL (SELECT generate_series(p.first_year, p.first_year + 4) AS fy) y
  JOIN bench_hospitals h ON h.n = p.hospital_n
  JOIN bench_doctors d ON d.n = p.hospital_n
  JOIN bench_versions v ON v.program = p.program
  JOIN bench_diseases dz ON dz.program = p.program AND dz.n = floor(power(p.disease_r, 3) * dz.of);

INSERT INTO app.form_ids (id, fiscal_year) SELECT id, fy FROM bench_forms ORDER BY id;

INSERT INTO app.forms (id, patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, consent_db_registration, consent_recorded_at, status, data, judgment, fiscal_year,
                       carried_over_from, confirmed_at, confirmed_by, issued_at, municipality_id, taken_over_at,
                       review_result, reviewed_at, registered_at, created_at, updated_at, entry_channel)
OVERRIDING SYSTEM VALUE
SELECT f.id, f.patient_id, f.version_id, f.disease_code, f.program, f.hospital_id, f.doctor_id, f.doctor_id,
       CASE WHEN f.first THEN 'new' ELSE 'renewal' END, true, t.at,
       s.status,
       -- about 1 kB of clinical items
       jsonb_build_object('entry_date', t.at::date, 'diagnosis_date', '2015-06-01',
         'application_type', CASE WHEN f.first THEN 'new' ELSE 'renewal' END,
         'medical_institution_code', '1310123455', 'doctor_name', 'スケール 医師', 'consent_db_registration', true,
         'height_cm', 150 + f.i % 40, 'weight_kg', 40 + f.i % 50, 'onset_year', 1990 + f.i % 30,
         'family_history', f.i % 2 = 0, 'smoking', f.i % 3, 'hoehn_yahr', 1 + f.i % 5, 'life_function_grade', 1 + f.i % 3,
         'symptoms', jsonb_build_array('tremor', 'rigidity', 'bradykinesia'),
         'labs', jsonb_build_object('hb', 12.5, 'wbc', 6200, 'plt', 23.1, 'crp', 0.3, 'alb', 4.1, 'ast', 22, 'alt', 18),
         'treatment', repeat('治療内容の記載。', 20), 'remarks', repeat('経過良好。', 15)),
       jsonb_build_object('valid', true, 'primary_judgment',
         CASE WHEN f.id % 10 < 7 THEN 'meets' WHEN f.id % 10 < 9 THEN 'does_not_meet' ELSE 'needs_review' END,
         'severity', jsonb_build_object('met', f.id % 10 < 8)),
       f.fy, CASE WHEN NOT f.first AND f.i % 2 = 0 THEN f.id - 1000000 END,
       t.at, f.doctor_id, t.at, CASE WHEN s.status IN ('taken_over', 'reviewed', 'registered') THEN f.body END,
       CASE WHEN s.status IN ('taken_over', 'reviewed', 'registered') THEN t.at + interval '10 days' END,
       CASE WHEN s.status IN ('reviewed', 'registered') THEN 'approved' END,
       CASE WHEN s.status IN ('reviewed', 'registered') THEN t.at + interval '40 days' END,
       CASE WHEN s.status = 'registered' THEN t.at + interval '50 days' END,
       t.at, t.at + interval '50 days',
       CASE WHEN f.id % 10 < 7 THEN 'online' WHEN f.id % 10 < 9 THEN 'xml' ELSE 'paper' END
  FROM bench_forms f
 CROSS JOIN LATERAL (SELECT make_timestamptz(f.fy, 6, 1 + f.i % 28, 10, 0, 0, 'Asia/Tokyo') AS at) t
 CROSS JOIN LATERAL (SELECT CASE WHEN f.fy < 2026 THEN 'registered'
                                 WHEN f.i % 3 = 0 THEN 'issued' WHEN f.i % 3 = 1 THEN 'taken_over'
                                 ELSE 'registered' END AS status) s
 ORDER BY f.id;

INSERT INTO app.form_personal (form_id, fiscal_year, hospital_id, data, updated_at)
SELECT f.id, f.fiscal_year, f.hospital_id, jsonb_build_object('patient_name', p.name, 'patient_name_kana', p.name_kana,
         'patient_birth_date', p.birth_date, 'patient_sex', p.sex, 'patient_postal_code', '1000001',
         'patient_address', p.address), f.created_at
  FROM app.forms f JOIN app.patients p ON p.id = f.patient_id
 WHERE f.id >= 20000000 ORDER BY f.id;

-- two history rows a form: as created (a draft) and as confirmed
INSERT INTO app.form_history (form_id, fiscal_year, at, actor_account_id, part, status, data)
SELECT f.id, f.fiscal_year, f.created_at + h.after, f.doctor_account_id, 'clinical', h.status, f.data
  FROM app.forms f
 CROSS JOIN (VALUES (interval '0', 'draft'), (interval '1 hour', 'confirmed')) h(after, status)
 WHERE f.id >= 20000000 ORDER BY f.id, h.after;

INSERT INTO app.access_keys (form_id, key_hash, issued_at, issued_by)
SELECT f.id, encode(sha256(('scale-key-' || f.id)::bytea), 'hex'), f.issued_at, f.doctor_account_id
  FROM app.forms f WHERE f.id >= 20000000 ORDER BY f.id;

INSERT INTO app.certifications (form_id, program, outcome, recipient_number, public_payer_number,
                                application_received_on, valid_from, valid_until, income_tier, special_case,
                                monthly_cap_yen)
SELECT f.id, f.program, 'granted', '1234566', '54130018', make_date(f.fiscal_year, 6, 1),
       make_date(f.fiscal_year, 6, 1), make_date(f.fiscal_year + 1, 5, 31), 'general1', 'none', 10000
  FROM app.forms f WHERE f.id >= 20000000 AND f.status IN ('reviewed', 'registered') ORDER BY f.id;

INSERT INTO app.research_consents (form_id, consented_on, recorded_at)
SELECT f.id, make_date(f.fiscal_year, 6, 1), f.created_at
  FROM app.forms f WHERE f.id >= 20000000 AND f.status = 'registered' AND f.id % 2 = 0 ORDER BY f.id;

RESET session_replication_role;
