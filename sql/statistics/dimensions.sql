-- The fixed set of published statistics tables (D1) and the categories of
-- their columns. Every table is counted over the same forms (every form
-- the doctor confirmed, per fiscal year and program) and has its row and
-- column totals; docs/statistics.md describes them.

-- The tables, in display order. rows: 'disease' (one row per disease with
-- forms, plus the total) or 'age_band'; columns: the dimension counted.
CREATE OR REPLACE FUNCTION app.statistics_tables()
RETURNS TABLE (code text, label text, row_dimension text, column_dimension text, "position" integer)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  VALUES ('age_band', '疾病×年齢階級', 'disease', 'age_band', 1),
         ('sex', '疾病×性別', 'disease', 'sex', 2),
         ('prefecture', '疾病×都道府県（実施主体の所在地）', 'disease', 'prefecture', 3),
         ('body', '疾病×実施主体', 'disease', 'body', 4),
         ('channel', '疾病×登録経路', 'disease', 'channel', 5),
         ('outcome', '疾病×認定結果', 'disease', 'outcome', 6),
         ('agreement', '疾病×一次判定と認定結果の一致', 'disease', 'agreement', 7),
         ('severity', '疾病×重症度基準', 'disease', 'severity', 8),
         ('carry_over', '疾病×前回値踏襲', 'disease', 'carry_over', 9),
         ('age_sex', '年齢階級×性別', 'age_band', 'sex', 10)
$$;

-- The 5-year age band of an age (0–4 … 95–99, 100 and over pooled).
CREATE OR REPLACE FUNCTION app.age_band(age integer)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN age >= 100 THEN '100+'
              ELSE format('%s-%s', greatest(age, 0) / 5 * 5, greatest(age, 0) / 5 * 5 + 4) END
$$;

-- The age the statistics count: at the start of the fiscal year (1 April),
-- the same for every form of the year whatever its diagnosis date.
CREATE OR REPLACE FUNCTION app.age_at_fiscal_year_start(birth_date date, fiscal_year integer)
RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT extract(year FROM age(make_date(fiscal_year, 4, 1), birth_date))::integer
$$;

-- Prefecture names (JIS X 0401), '00' for a form whose implementing body is unknown.
CREATE OR REPLACE FUNCTION app.prefecture_name(code text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN code = '00' THEN '不明' ELSE (ARRAY[
    '北海道', '青森県', '岩手県', '宮城県', '秋田県', '山形県', '福島県', '茨城県', '栃木県', '群馬県',
    '埼玉県', '千葉県', '東京都', '神奈川県', '新潟県', '富山県', '石川県', '福井県', '山梨県', '長野県',
    '岐阜県', '静岡県', '愛知県', '三重県', '滋賀県', '京都府', '大阪府', '兵庫県', '奈良県', '和歌山県',
    '鳥取県', '島根県', '岡山県', '広島県', '山口県', '徳島県', '香川県', '愛媛県', '高知県', '福岡県',
    '佐賀県', '長崎県', '熊本県', '大分県', '宮崎県', '鹿児島県', '沖縄県'])[code::integer] END
$$;

-- The fixed categories of the coded dimensions (prefectures, bodies,
-- diseases and sexes come from the master data).
CREATE OR REPLACE FUNCTION app.statistics_categories()
RETURNS TABLE (dimension text, code text, label text, "position" integer)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT 'age_band', app.age_band(b * 5), CASE WHEN b = 20 THEN '100歳以上' ELSE format('%s〜%s歳', b * 5, b * 5 + 4) END, b + 1
    FROM generate_series(0, 20) b
  UNION ALL
  VALUES ('channel', 'online', 'オンライン入力', 1), ('channel', 'xml', 'XML（医療機関システム）', 2),
         ('channel', 'paper', '紙の票', 3),
         ('outcome', 'granted', '認定', 1), ('outcome', 'refused', '不認定', 2), ('outcome', 'pending', '保留', 3),
         ('outcome', 'undecided', '審査結果なし', 4),
         ('agreement', 'meets_granted', '一次判定「満たす」・認定', 1),
         ('agreement', 'meets_refused', '一次判定「満たす」・不認定', 2),
         ('agreement', 'does_not_meet_granted', '一次判定「満たさない」・認定', 3),
         ('agreement', 'does_not_meet_refused', '一次判定「満たさない」・不認定', 4),
         ('agreement', 'needs_review_granted', '一次判定「要審査」・認定', 5),
         ('agreement', 'needs_review_refused', '一次判定「要審査」・不認定', 6),
         ('agreement', 'undecided', '審査結果なし・保留', 7),
         ('severity', 'met', '重症度基準を満たす', 1), ('severity', 'not_met', '満たさない', 2),
         ('severity', 'unknown', '判定できない', 3),
         ('carry_over', 'carried_over', '前回値踏襲あり', 1), ('carry_over', 'fresh', '前回値踏襲なし', 2)
$$;
