-- Demo organisations for `make run`: the operator, the Ministry, a
-- contractor, two prefectures (東京都, 神奈川県), one designated city (横浜市)
-- and three hospitals. All names are fictitious except the public bodies.
INSERT INTO app.organisations (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
VALUES ('operator',     'OP01',   '難病・小慢DB運営事務局（デモ）', NULL, NULL, false, false),
       ('ministry',     'MHLW',   '厚生労働省', NULL, NULL, false, false),
       ('contractor',   'CT01',   'デモ入力センター株式会社', NULL, NULL, false, false),
       ('municipality', '130001', '東京都',   '13', 'prefecture', true, true),
       ('municipality', '140007', '神奈川県', '14', 'prefecture', true, true),
       ('municipality', '141003', '横浜市',   '14', 'designated_city', true, true)
-- the implementing bodies' master (sql/master/implementing_bodies.sql) already has the public bodies
ON CONFLICT (kind, code) DO NOTHING;

INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
SELECT 'hospital', code, name, prefecture,
       (SELECT id FROM app.organisations WHERE kind = 'municipality' AND code = authority),
       (SELECT id FROM app.organisations WHERE kind = 'municipality' AND code = authority)
  FROM (VALUES ('1310123455', 'デモ中央病院',       '13', '130001'),
               ('1410543215', 'デモ横浜みなと病院', '14', '141003'),
               ('1411109875', 'デモ湘南クリニック', '14', '140007')) h(code, name, prefecture, authority);
