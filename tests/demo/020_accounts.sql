-- Demo accounts of every role, already enrolled: each logs in with the demo
-- password and its demo key (listed in tests/demo/logins.txt, printed by
-- `make run`). Never load this file into a real database.
CREATE TEMP TABLE demo_accounts (
  login_id text, role text, org_code text, issued_by_code text, name text, name_kana text,
  is_hospital_admin boolean, program text, doctor_kind text, medical_registry_number text,
  designated_doctor_number text) ON COMMIT DROP;
INSERT INTO demo_accounts VALUES
  ('OP01-0001',       'operator_admin',     'OP01',       NULL,     '運営 管理子',   'ウンエイ カンリコ',   false, NULL, NULL, NULL, NULL),
  ('OP01-0002',       'operator_staff',     'OP01',       'OP01',   '運営 一郎',     'ウンエイ イチロウ',   false, NULL, NULL, NULL, NULL),
  ('MHLW-0001',       'ministry_admin',     'MHLW',       'OP01',   '厚労 管理子',   'コウロウ カンリコ',   false, NULL, NULL, NULL, NULL),
  ('MHLW-0002',       'ministry_staff',     'MHLW',       'MHLW',   '厚労 次郎',     'コウロウ ジロウ',     false, NULL, NULL, NULL, NULL),
  ('CT01-0001',       'contractor',         'CT01',       'OP01',   '入力 三郎',     'ニュウリョク サブロウ', false, NULL, NULL, NULL, NULL),
  ('130001-0001',     'municipality_admin', '130001',     'OP01',   '東京 管理子',   'トウキョウ カンリコ', false, NULL, NULL, NULL, NULL),
  ('130001-0002',     'municipality_staff', '130001',     '130001', '東京 審査子',   'トウキョウ シンサコ', false, NULL, NULL, NULL, NULL),
  ('140007-0001',     'municipality_admin', '140007',     'OP01',   '神奈川 管理子', 'カナガワ カンリコ',   false, NULL, NULL, NULL, NULL),
  ('140007-0002',     'municipality_staff', '140007',     '140007', '神奈川 審査子', 'カナガワ シンサコ',   false, NULL, NULL, NULL, NULL),
  ('141003-0001',     'municipality_admin', '141003',     'OP01',   '横浜 管理子',   'ヨコハマ カンリコ',   false, NULL, NULL, NULL, NULL),
  ('141003-0002',     'municipality_staff', '141003',     '141003', '横浜 審査子',   'ヨコハマ シンサコ',   false, NULL, NULL, NULL, NULL),
  ('1310123455-0001', 'doctor',             '1310123455', '130001', '中央 太郎',     'チュウオウ タロウ',   true,  'nanbyo', 'designated',  '100001', 'T-N-0001'),
  ('1310123455-0002', 'doctor',             '1310123455', '130001', '中央 花子',     'チュウオウ ハナコ',   false, 'shoman', 'designated',  '100002', 'T-S-0002'),
  ('1310123455-0003', 'doctor',             '1310123455', '130001', '中央 協力',     'チュウオウ キョウリョク', false, 'nanbyo', 'cooperating', '100003', 'T-K-0003'),
  ('1310123455-0004', 'clerk',              '1310123455', '1310123455', '中央 事務子', 'チュウオウ ジムコ', false, NULL, NULL, NULL, NULL),
  ('1410543215-0001', 'doctor',             '1410543215', '141003', '港 一郎',       'ミナト イチロウ',     true,  'nanbyo', 'designated',  '200001', 'Y-N-0001'),
  ('1410543215-0002', 'clerk',              '1410543215', '1410543215', '港 事務子', 'ミナト ジムコ',       false, NULL, NULL, NULL, NULL),
  ('1411109875-0001', 'hospital_admin',     '1411109875', '140007', '湘南 責任者',   'ショウナン セキニンシャ', true, NULL, NULL, NULL, NULL),
  ('1411109875-0002', 'doctor',             '1411109875', '140007', '湘南 二郎',     'ショウナン ジロウ',   false, 'nanbyo', 'designated',  '300001', 'K-N-0001');

-- one hash for all demo accounts: hashing is deliberately slow
CREATE TEMP TABLE demo_password ON COMMIT DROP AS
  SELECT nanbyo.hash_password('Demo-Pass-2026!') AS hash;

INSERT INTO app.accounts (login_id, role, organisation_id, issued_by_organisation_id, name, name_kana,
                          email, password_hash, password_must_change, key_hash, key_issued_at,
                          is_hospital_admin, program, doctor_kind, medical_registry_number,
                          designated_doctor_number, designation_expires_on)
SELECT d.login_id, d.role, o.id, i.id, d.name, d.name_kana,
       lower(replace(d.login_id, '-', '.')) || '@demo.invalid', p.hash, false,
       app.key_hash('NANBYO-KEY-1:DEMO-' || d.login_id), now(),
       d.is_hospital_admin, d.program, d.doctor_kind, d.medical_registry_number,
       d.designated_doctor_number, CASE WHEN d.role = 'doctor' THEN DATE '2029-03-31' END
  FROM demo_accounts d
  JOIN app.organisations o ON o.code = d.org_code
  LEFT JOIN app.organisations i ON i.code = d.issued_by_code
  CROSS JOIN demo_password p
 ORDER BY d.login_id;

UPDATE app.organisations o
   SET next_account_seq = 1 + (SELECT count(*) FROM app.accounts a WHERE a.organisation_id = o.id);
