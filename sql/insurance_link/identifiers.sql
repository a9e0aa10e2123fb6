-- D5: a patient's insurance identifiers (保険者番号, 被保険者証等記号・番号,
-- 枝番) as the insurance-history inquiry needs them
-- (docs/insurance-history-link.md): normalised, checked (the insurer
-- number's check digit), recorded by the municipality that took over one of
-- the patient's forms, and read back by it. The hospital's own copy,
-- app.patients.insurance (keys insurer_number, symbol, number, branch), is
-- used when the municipality has recorded none and it passes the same
-- checks. Grants in policies/insurance_link/insurance_link.sql.

-- One identifier as it is compared and sent: NFKC (full-width digits and
-- letters made half-width), every space removed; '' as null.
CREATE OR REPLACE FUNCTION app.insurance_identifier_text(value text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT nullif(regexp_replace(normalize(value, NFKC), '[[:space:]]+', '', 'g'), '')
$$;

-- The check digit (検証番号) of an insurer number's other digits, by the
-- Ministry's rule (保険者番号等の設定について): the digits weighted 2, 1, 2, …
-- from the last one, the digits of each product summed, 10 minus the last
-- digit of the sum (0 when that digit is 0).
CREATE OR REPLACE FUNCTION app.insurer_number_check_digit(body text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ((10 - sum(p / 10 + p % 10) % 10) % 10)::text
    FROM (SELECT substr(body, i, 1)::integer * CASE WHEN (length(body) - i) % 2 = 0 THEN 2 ELSE 1 END AS p
            FROM generate_series(1, length(body)) i) x
$$;

-- Every problem of a set of identifiers (already normalised): field, code,
-- Japanese message; none when they can be sent.
CREATE OR REPLACE FUNCTION app.insurance_identifier_problems(insurer_number text, symbol text, number text, branch text)
RETURNS TABLE (field text, code text, message text)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT x.field, x.code, x.message
    FROM (VALUES
      (insurer_number IS NULL, 'insurer_number', 'E_INSURER_NUMBER_REQUIRED', '保険者番号を入力してください。'),
      (insurer_number !~ '^([0-9]{6}|[0-9]{8})$', 'insurer_number', 'E_INSURER_NUMBER_FORMAT',
       '保険者番号は8桁（国民健康保険は6桁）の数字で入力してください。'),
      (insurer_number ~ '^([0-9]{6}|[0-9]{8})$'
         AND right(insurer_number, 1) <> app.insurer_number_check_digit(left(insurer_number, -1)),
       'insurer_number', 'E_INSURER_NUMBER_CHECK_DIGIT',
       '保険者番号の検証番号（最後の1桁）が合いません。被保険者証の保険者番号を確認してください。'),
      (symbol IS NOT NULL AND (length(symbol) > 20 OR symbol ~ '[[:cntrl:],"]'), 'symbol', 'E_INSURANCE_SYMBOL_FORMAT',
       '被保険者証等の記号は20文字以内で入力してください（カンマ・引用符は使えません）。'),
      (number IS NULL, 'number', 'E_INSURANCE_NUMBER_REQUIRED', '被保険者証等の番号を入力してください。'),
      (number !~ '^[0-9A-Za-z-]{1,20}$', 'number', 'E_INSURANCE_NUMBER_FORMAT',
       '被保険者証等の番号は20文字以内の英数字で入力してください。'),
      (branch !~ '^[0-9]{2}$', 'branch', 'E_INSURANCE_BRANCH_FORMAT', '枝番は2桁の数字で入力してください（例: 01）。')
    ) x(failed, field, code, message)
   WHERE x.failed IS TRUE
$$;

-- The key that says whether identifiers changed: SHA-256 of the normalised
-- values joined by '|' (empty for a missing symbol or branch).
CREATE OR REPLACE FUNCTION app.insurance_identifiers_sha256(insurer_number text, symbol text, number text, branch text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT encode(sha256(convert_to(concat_ws('|', insurer_number, coalesce(symbol, ''), number, coalesce(branch, '')), 'UTF8')), 'hex')
$$;

-- Every patient's current identifiers that can be sent: the municipality's
-- newest record, else the hospital's patient record when it passes the
-- checks. Read only by definer functions (never granted).
CREATE OR REPLACE VIEW app.current_insurance_identifiers AS
  SELECT c.patient_id, c.source, c.insurer_number, c.symbol, c.number, c.branch, c.recorded_at,
         app.insurance_identifiers_sha256(c.insurer_number, c.symbol, c.number, c.branch) AS identifiers_sha256
    FROM (
      SELECT DISTINCT ON (i.patient_id) i.patient_id, 'municipality'::text AS source, i.insurer_number, i.symbol,
             i.number, i.branch, i.recorded_at
        FROM app.insurance_identifiers i
       ORDER BY i.patient_id, i.id DESC
    ) c
  UNION ALL
  SELECT h.patient_id, 'hospital', h.insurer_number, h.symbol, h.number, h.branch, h.updated_at,
         app.insurance_identifiers_sha256(h.insurer_number, h.symbol, h.number, h.branch)
    FROM (
      SELECT p.id AS patient_id, p.updated_at,
             app.insurance_identifier_text(p.insurance ->> 'insurer_number') AS insurer_number,
             app.insurance_identifier_text(p.insurance ->> 'symbol') AS symbol,
             app.insurance_identifier_text(p.insurance ->> 'number') AS number,
             app.insurance_identifier_text(p.insurance ->> 'branch') AS branch
        FROM app.patients p
       WHERE p.insurance ? 'insurer_number'
         AND NOT EXISTS (SELECT FROM app.insurance_identifiers i WHERE i.patient_id = p.id)
    ) h
   WHERE NOT EXISTS (SELECT FROM app.insurance_identifier_problems(h.insurer_number, h.symbol, h.number, h.branch));

-- The identifiers object of a form's patient as its municipality reads it.
CREATE OR REPLACE FUNCTION app.insurance_identifiers_document(f app.forms)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'form_id', f.id, 'patient_id', f.patient_id, 'source', c.source,
    'insurer_number', c.insurer_number, 'symbol', c.symbol, 'number', c.number, 'branch', c.branch,
    'recorded_at', c.recorded_at)
    FROM (SELECT 1) one
    LEFT JOIN app.current_insurance_identifiers c ON c.patient_id = f.patient_id
$$;

-- POST /rpc/record_insurance_identifiers (municipality staff and admin):
-- the identifiers of the patient of a form the caller's municipality took
-- over, as the insurance card shows them. Every field is checked (the
-- insurer number's check digit); the same identifiers again record nothing.
CREATE OR REPLACE FUNCTION api.record_insurance_identifiers(
  form_id bigint, insurer_number text, number text, symbol text DEFAULT NULL, branch text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.municipality_form_for_update(me, form_id);
  problem record;
  current_hash text;
  changed boolean;
BEGIN
  insurer_number := app.insurance_identifier_text(insurer_number);
  symbol := app.insurance_identifier_text(symbol);
  number := app.insurance_identifier_text(number);
  branch := app.insurance_identifier_text(branch);
  SELECT * INTO problem FROM app.insurance_identifier_problems(insurer_number, symbol, number, branch) LIMIT 1;
  IF FOUND THEN
    PERFORM app.raise('22023', problem.code, problem.message);
  END IF;
  -- one writer per patient at a time
  PERFORM p.id FROM app.patients p WHERE p.id = f.patient_id FOR UPDATE;
  SELECT i.identifiers_sha256 INTO current_hash
    FROM app.current_insurance_identifiers i WHERE i.patient_id = f.patient_id AND i.source = 'municipality';
  changed := current_hash IS DISTINCT FROM app.insurance_identifiers_sha256(insurer_number, symbol, number, branch);
  IF changed THEN
    INSERT INTO app.insurance_identifiers (patient_id, form_id, insurer_number, symbol, number, branch, recorded_by)
    VALUES (f.patient_id, f.id, insurer_number, symbol, number, branch, me.id);
  END IF;
  PERFORM app.audit('patient.insurance_identifiers', 'success', 'patient', f.patient_id::text,
                    jsonb_build_object('form_id', f.id, 'changed', changed));
  RETURN app.insurance_identifiers_document(f) || jsonb_build_object('changed', changed);
END
$$;
COMMENT ON FUNCTION api.record_insurance_identifiers(bigint, text, text, text, text) IS
  '保険の識別情報（保険者番号・記号・番号・枝番）の記録・訂正（自治体）: 被保険者証のとおり。保険者番号の検証番号を検査する';

-- POST /rpc/get_insurance_identifiers (municipality staff and admin): the
-- current identifiers of the patient of a form the caller's municipality
-- took over (the municipality's record, else the hospital's); audit-logged.
-- The linkage id is never part of it.
CREATE OR REPLACE FUNCTION api.get_insurance_identifiers(form_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.caller();
  f app.forms := app.municipality_form_for_update(me, form_id);
BEGIN
  PERFORM app.audit_read('insurance_identifiers', 'patient', ARRAY[f.patient_id::text], jsonb_build_object('form_id', f.id));
  RETURN app.insurance_identifiers_document(f);
END
$$;
COMMENT ON FUNCTION api.get_insurance_identifiers(bigint) IS '票の患者の保険の識別情報の照会（自治体）: 連携IDは含まない';
