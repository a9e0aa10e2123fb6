-- Setup of the statistics benchmark (.ci/bench-statistics.sh): :n registered
-- forms over two fiscal years, with a realistic mix — 90 % nanbyō (a few
-- common diseases, a long tail: disease rank ~ random()^3), 10 % shōman
-- (children); the hospitals of 200 made-up hospitals spread over the
-- prefectures, each issuing body its prefecture's; ages, sexes, channels
-- (70 % online, 20 % XML, 10 % paper), half of the second year's forms
-- carried over, nine in ten decided (mostly granted), a clinical part of
-- about 1 kB each. Straight INSERTs with triggers and foreign-key checks off
-- (session_replication_role = replica): this measures the refresh, not the
-- registration. Run on a scratch database only.
\set ON_ERROR_STOP 1
SET session_replication_role = replica;
SET synchronous_commit = off;

INSERT INTO app.organisations (kind, code, name) VALUES ('operator', 'BENCHS', '統計ベンチ') ON CONFLICT DO NOTHING;
INSERT INTO app.accounts (login_id, role, organisation_id, organisation_kind, name, name_kana, password_hash,
                          password_must_change, key_hash)
SELECT 'bench-stats', 'operator_admin', id, 'operator', 'ベンチ', 'ベンチ', 'x', false, 'x' FROM app.organisations WHERE code = 'BENCHS'
ON CONFLICT DO NOTHING;

-- 200 hospitals: prefecture pp, a valid medical institution code, the prefecture's body issues their ids
CREATE TEMP TABLE bench_bodies AS
SELECT id, prefecture_code, row_number() OVER (ORDER BY prefecture_code) AS n
  FROM app.organisations WHERE kind = 'municipality' AND municipality_kind = 'prefecture' AND runs_nanbyo;
INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', c.code, 'ベンチ病院' || h, b.prefecture_code, b.id, b.id
  FROM generate_series(1, 200) h
  JOIN bench_bodies b ON b.n = 1 + h % (SELECT count(*) FROM bench_bodies)
 CROSS JOIN LATERAL (
   SELECT b.prefecture_code || '1' || lpad((900000 + h)::text, 6, '0') || d AS code
     FROM generate_series(0, 9) d
    WHERE nanbyo.valid_medical_institution_code(b.prefecture_code || '1' || lpad((900000 + h)::text, 6, '0') || d)
    LIMIT 1) c
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE bench_hospitals AS
SELECT id, nanbyo_authority_id AS body, row_number() OVER (ORDER BY id) - 1 AS n
  FROM app.organisations WHERE kind = 'hospital' AND name LIKE 'ベンチ病院%';

CREATE TEMP TABLE bench_diseases AS
SELECT program, disease_code, row_number() OVER (PARTITION BY program ORDER BY disease_code) - 1 AS n
  FROM app.diseases;
CREATE TEMP TABLE bench_versions AS
SELECT program, max(id) AS id FROM app.form_versions GROUP BY program;

-- one patient per form of the first year; the second year renews most of them
CREATE TEMP TABLE bench_people AS
SELECT i, CASE WHEN random() < 0.9 THEN 'nanbyo' ELSE 'shoman' END AS program,
       (random() * 199)::integer AS hospital_n, CASE WHEN random() < 0.55 THEN '2' ELSE '1' END AS sex,
       random() AS disease_r, random() AS age_r
  FROM generate_series(1, (:n / 2)::integer) i;

INSERT INTO app.patients (id, hospital_id, name, name_kana, birth_date, sex, address)
OVERRIDING SYSTEM VALUE
SELECT 10000000 + p.i, h.id, 'ベンチ 患者', 'ベンチ カンジャ',
       CASE p.program WHEN 'nanbyo' THEN date '2025-04-01' - ((20 + p.age_r * 70) * 365.25)::integer
                      ELSE date '2025-04-01' - ((1 + p.age_r * 17) * 365.25)::integer END,
       p.sex, '東京都千代田区1'
  FROM bench_people p JOIN bench_hospitals h ON h.n = p.hospital_n;

INSERT INTO app.forms (id, patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, status, data, judgment, fiscal_year, carried_over_from, confirmed_at, municipality_id,
                       entry_channel)
OVERRIDING SYSTEM VALUE
SELECT 10000000 + y.k * 10000000 + p.i, 10000000 + p.i, v.id, d.disease_code, p.program, h.id, a.id, a.id,
       CASE y.k WHEN 0 THEN 'new' ELSE 'renewal' END, 'registered',
       -- about 1 kB of clinical items
       jsonb_build_object('entry_date', '2025-05-01', 'diagnosis_date', '2019-06-01', 'application_type', 'renewal',
         'medical_institution_code', '1310123455', 'doctor_name', 'ベンチ 医師', 'consent_db_registration', true,
         'height_cm', 150 + p.i % 40, 'weight_kg', 40 + p.i % 50, 'onset_year', 1990 + p.i % 30,
         'family_history', p.i % 2 = 0, 'smoking', p.i % 3, 'hoehn_yahr', 1 + p.i % 5, 'life_function_grade', 1 + p.i % 3,
         'symptoms', jsonb_build_array('tremor', 'rigidity', 'bradykinesia'),
         'labs', jsonb_build_object('hb', 12.5, 'wbc', 6200, 'plt', 23.1, 'crp', 0.3, 'alb', 4.1, 'ast', 22, 'alt', 18),
         'treatment', repeat('治療内容の記載。', 20), 'remarks', repeat('経過良好。', 15)),
       jsonb_build_object('valid', true, 'primary_judgment',
         CASE WHEN (p.i + y.k) % 10 < 7 THEN 'meets' WHEN (p.i + y.k) % 10 < 9 THEN 'does_not_meet' ELSE 'needs_review' END,
         'severity', jsonb_build_object('met', (p.i + y.k) % 10 < 8)),
       2025 + y.k, CASE WHEN y.k = 1 AND p.i % 2 = 0 THEN 10000000 + p.i END, now(), h.body,
       CASE WHEN (p.i * 7 + y.k) % 10 < 7 THEN 'online' WHEN (p.i * 7 + y.k) % 10 < 9 THEN 'xml' ELSE 'paper' END
  FROM bench_people p
 CROSS JOIN (VALUES (0), (1)) y(k)
  JOIN bench_hospitals h ON h.n = p.hospital_n
  JOIN bench_versions v ON v.program = p.program
  JOIN bench_diseases d ON d.program = p.program
       AND d.n = floor(power(p.disease_r, 3) * (SELECT count(*) FROM bench_diseases x WHERE x.program = p.program))
  CROSS JOIN (SELECT id FROM app.accounts WHERE login_id = 'bench-stats') a;

INSERT INTO app.certifications (form_id, program, outcome, refusal_reason, recipient_number, public_payer_number,
                                application_received_on, valid_from, valid_until, income_tier, special_case, monthly_cap_yen)
SELECT f.id, f.program, o.outcome, CASE WHEN o.outcome = 'refused' THEN 'severity_not_met' END,
       CASE WHEN o.outcome = 'granted' THEN '1234566' END, CASE WHEN o.outcome = 'granted' THEN '54130018' END,
       make_date(f.fiscal_year, 6, 1), CASE WHEN o.outcome = 'granted' THEN make_date(f.fiscal_year, 6, 1) END,
       CASE WHEN o.outcome = 'granted' THEN make_date(f.fiscal_year + 1, 5, 31) END,
       CASE WHEN o.outcome = 'granted' THEN 'general1' END, CASE WHEN o.outcome = 'granted' THEN 'none' END,
       CASE WHEN o.outcome = 'granted' THEN 10000 END
  FROM app.forms f
 CROSS JOIN LATERAL (SELECT CASE WHEN f.id % 10 < 8 THEN 'granted' WHEN f.id % 10 < 9 THEN 'refused' END AS outcome) o
 WHERE f.id >= 10000000 AND o.outcome IS NOT NULL;

RESET session_replication_role;
ANALYZE app.forms;
ANALYZE app.patients;
ANALYZE app.certifications;
