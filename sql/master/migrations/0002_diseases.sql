-- 0.2.0, master: the disease master (D4, issue #19): the designated
-- intractable diseases (指定難病, nanbyō) and the pediatric chronic diseases
-- (小児慢性特定疾病, shōman) with their official numbering, their dates in
-- force and where each row comes from; every change kept in
-- app.disease_history. The published lists are loaded from
-- sql/master/data/*.csv by sql/master/diseases_data.sql (generated, run on
-- every deploy); the operator admin maintains them through the API
-- (sql/master/diseases.sql). docs/disease-master.md says which sources.

-- The 16 disease groups (疾患群) of shōman, numbered as the 告示 numbers them.
CREATE TABLE app.disease_groups (
  code  text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
  name  text NOT NULL UNIQUE CHECK (btrim(name) <> '')
);
COMMENT ON TABLE app.disease_groups IS '小児慢性特定疾病の疾患群（01〜16）';
INSERT INTO app.disease_groups (code, name) VALUES
  ('01', '悪性新生物'), ('02', '慢性腎疾患'), ('03', '慢性呼吸器疾患'), ('04', '慢性心疾患'),
  ('05', '内分泌疾患'), ('06', '膠原病'), ('07', '糖尿病'), ('08', '先天性代謝異常'),
  ('09', '血液疾患'), ('10', '免疫疾患'), ('11', '神経・筋疾患'), ('12', '慢性消化器疾患'),
  ('13', '染色体又は遺伝子に変化を伴う症候群'), ('14', '皮膚疾患群'), ('15', '骨系統疾患'),
  ('16', '脈管系疾患');

-- One row per disease. The code is made from the official number:
--   nanbyō  'N' + the 告示番号 in 3 digits (N006 パーキンソン病);
--   shōman  'S' + the group (2 digits) + the disease's 告示番号 within its
--           group, 2 digits or 3 from No.100: S0701 1型糖尿病 (group 07,
--           No.1), S08100 (group 08 先天性代謝異常 has 139).
CREATE TABLE app.diseases (
  disease_code        text PRIMARY KEY,
  program             text NOT NULL CHECK (program IN ('nanbyo', 'shoman')),
  -- 告示番号: nanbyō the number of the 指定難病; shōman the number within the group
  notice_number       integer NOT NULL CHECK (notice_number BETWEEN 1 AND 999),
  name                text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 300),
  -- shōman only
  disease_group_code  text REFERENCES app.disease_groups (code),
  -- first and last day in force (inclusive); NULL from: not given by the
  -- source (in force at the date of the list); NULL until: still in force
  effective_from      date,
  effective_until     date,
  -- where the row comes from: the published list (URL, version) or the
  -- operator's reference for a change made through the API
  source              text NOT NULL CHECK (btrim(source) <> ''),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  -- the operator admin who changed the row last; NULL: as the data file says
  updated_by          bigint REFERENCES app.accounts (id),
  UNIQUE (program, disease_code),
  CONSTRAINT diseases_code_follows_number CHECK (
    CASE program
      WHEN 'nanbyo' THEN disease_group_code IS NULL
                         AND disease_code = 'N' || lpad(notice_number::text, 3, '0')
      ELSE disease_group_code IS NOT NULL
           AND disease_code = 'S' || disease_group_code
                              || CASE WHEN notice_number < 100 THEN lpad(notice_number::text, 2, '0')
                                      ELSE notice_number::text END
    END),
  CONSTRAINT diseases_dates CHECK (effective_until IS NULL OR effective_from IS NULL
                                   OR effective_until >= effective_from)
);
COMMENT ON TABLE app.diseases IS
  '疾病マスタ: 指定難病（告示番号）と小児慢性特定疾病（疾患群・告示番号）、施行日・廃止日・出典';
CREATE INDEX diseases_program_number ON app.diseases (program, disease_group_code, notice_number);

-- Every change of app.diseases, written by its trigger (never by hand).
CREATE TABLE app.disease_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  disease_code  text NOT NULL REFERENCES app.diseases (disease_code),
  changed_at    timestamptz NOT NULL DEFAULT now(),
  -- NULL: the data file (deploy)
  changed_by    bigint REFERENCES app.accounts (id),
  -- add, update (data file), rename, set_effective_until (API)
  change        text NOT NULL CHECK (change IN ('add', 'update', 'rename', 'set_effective_until')),
  old_values    jsonb,
  new_values    jsonb NOT NULL
);
COMMENT ON TABLE app.disease_history IS '疾病マスタの変更履歴（追加・名称変更・廃止日の設定・データファイルからの更新）';
CREATE INDEX disease_history_code ON app.disease_history (disease_code, id);
