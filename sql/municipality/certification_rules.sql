-- The rules of the certification decision (C2, issue #19) in ONE place, for
-- one form (api.record_certification) and for a whole file at once (the
-- CSV import of certification results, C3):
--
--   app.certification_problems(f app.forms, certification jsonb, today date)
--     -> SETOF (field text, code text, message text)
--     Every rule the certification breaks on form f, one row each (no row:
--     it may be recorded). One SQL query per form (no loop, no exception
--     handler: a bad date is a row, not an error); a set-based caller writes
--       SELECT r.line, p.* FROM rows r JOIN app.forms f ON f.id = r.form_id
--        CROSS JOIN LATERAL app.certification_problems(f, r.certification) p;
--     It does not look at the form's status or owner (the caller does: a
--     form of another municipality is "not found", a registered one 409).
--
--   app.apply_certification(form_ids bigint[], certifications jsonb[])
--     -> SETOF app.certifications
--     Records the certifications (replacing earlier ones) set-based: the
--     cap and 登録者証 eligibility derived, each form moved to 'reviewed'
--     with the outcome as its review_result (as api.review_form does), the
--     history kept (triggers), one audit row per form. The caller has locked
--     the forms and checked they are its own; a problem left (or a form not
--     taken over / reviewed) raises, and nothing is written.
--
-- The certification object (every key optional but as the outcome needs):
--   outcome                 granted | refused | pending
--   refusal_reason          diagnosis_not_met | severity_not_met | other (refused only)
--   refusal_note            text (required with 'other')
--   recipient_number        受給者番号, 7 digits with check digit (granted only, required)
--   public_payer_number     公費負担者番号, 8 digits: 法別 54/52, the municipality's prefecture
--   application_received_on 申請受付日 (default: the day the form was taken over)
--   valid_from, valid_until 有効期間 (YYYY-MM-DD; granted only, required)
--   early_start_reason      why the start goes back up to 3 months (not 1)
--   income_tier             welfare | low1 | low2 | general1 | general2 | upper (granted only, required)
--   special_case            none (default) | high_long | ventilator
--   admin_box               行政記載欄: {item_id: value} of app.admin_box_items
-- Dates are ISO dates; codes and numbers are NFKC-normalised and trimmed.

-- An ISO date (YYYY-MM-DD) or null, without raising (a set-based check
-- cannot catch an error per row).
CREATE OR REPLACE FUNCTION app.iso_date_or_null(value text)
RETURNS date
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v text := btrim(normalize(value, NFKC));
BEGIN
  -- (plpgsql, not SQL: a SQL function with FROM is not inlined and would run
  -- an executor of its own for every date of every row)
  IF v IS NULL OR v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' OR substr(v, 1, 4)::int < 1900
     OR substr(v, 6, 2)::int NOT BETWEEN 1 AND 12 OR substr(v, 9, 2)::int < 1
     OR substr(v, 9, 2)::int > extract(day FROM make_date(substr(v, 1, 4)::int, substr(v, 6, 2)::int, 1)
                                                + interval '1 month - 1 day')::int THEN
    RETURN NULL;
  END IF;
  RETURN v::date;
END
$$;

-- A text value of the certification object: NFKC, trimmed, '' as null.
CREATE OR REPLACE FUNCTION app.certification_text(certification jsonb, key text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  SELECT nullif(btrim(normalize(certification ->> key, NFKC)), '')
$$;

-- The keys a certification object may have, with their Japanese labels.
CREATE OR REPLACE FUNCTION app.certification_fields()
RETURNS TABLE (field text, label_ja text, granted_only boolean)
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  VALUES ('outcome', '認定結果', false), ('refusal_reason', '不認定の理由', false),
         ('refusal_note', '不認定の理由（その他）の内容', false),
         ('recipient_number', '受給者番号', true), ('public_payer_number', '公費負担者番号', true),
         ('application_received_on', '申請受付日', false),
         ('valid_from', '有効期間の開始日', true), ('valid_until', '有効期間の終了日', true),
         ('early_start_reason', '開始日を遡る理由', true),
         ('income_tier', '階層区分', true), ('special_case', '特例区分', true),
         ('admin_box', '行政記載欄', false)
$$;

-- (No SET clause: the planner inlines it into a set-based caller, which is
-- what makes a 100,000-row import check in seconds; called per row
-- otherwise, it is planned anew for every row, about 5 ms each. A caller
-- passes the form as a column of a CTE or a variable, not as the whole-row
-- reference of a joined table: PostgreSQL 15 cannot plan that inlined,
-- "variable not found in subplan target list".)
CREATE OR REPLACE FUNCTION app.certification_problems(f app.forms, certification jsonb, today date DEFAULT current_date)
RETURNS TABLE (field text, code text, message text)
LANGUAGE sql
STABLE
AS $$
  SELECT x.field, x.code, x.message
    FROM (SELECT
            app.certification_text(certification, 'outcome') AS outcome,
            app.certification_text(certification, 'refusal_reason') AS reason,
            app.certification_text(certification, 'refusal_note') AS note,
            app.certification_text(certification, 'recipient_number') AS recipient,
            app.certification_text(certification, 'public_payer_number') AS payer,
            app.certification_text(certification, 'application_received_on') AS received_text,
            app.certification_text(certification, 'valid_from') AS from_text,
            app.certification_text(certification, 'valid_until') AS until_text,
            app.certification_text(certification, 'early_start_reason') AS early_reason,
            app.certification_text(certification, 'income_tier') AS tier,
            coalesce(app.certification_text(certification, 'special_case'), 'none') AS special,
            app.iso_date_or_null(app.certification_text(certification, 'valid_from')) AS valid_from,
            app.iso_date_or_null(app.certification_text(certification, 'valid_until')) AS valid_until,
            coalesce(app.iso_date_or_null(app.certification_text(certification, 'application_received_on')),
                     (f.taken_over_at AT TIME ZONE 'Asia/Tokyo')::date) AS received,
            app.iso_date_or_null(f.data ->> 'diagnosis_date') AS diagnosed,
            (f.issued_at AT TIME ZONE 'Asia/Tokyo')::date AS issued,
            (SELECT o.prefecture_code FROM app.organisations o WHERE o.id = f.municipality_id) AS prefecture,
            (SELECT p.law_code FROM app.programs p WHERE p.code = f.program) AS law_code,
            (SELECT p.label_ja FROM app.programs p WHERE p.code = f.program) AS program_label,
            coalesce(certification -> 'admin_box', '{}') AS admin_box,
            f.program AS program
          OFFSET 0) v0  -- (a fence: each value computed once per form, not in every rule that uses it)
   CROSS JOIN LATERAL (SELECT v0.*,
            EXISTS (SELECT FROM app.review_results r WHERE r.code = v0.outcome) AS outcome_known,
            EXISTS (SELECT FROM app.refusal_reasons r WHERE r.code = v0.reason) AS reason_known,
            EXISTS (SELECT FROM app.income_tiers t WHERE t.code = v0.tier) AS tier_known,
            EXISTS (SELECT FROM app.special_cases s WHERE s.program = v0.program AND s.code = v0.special) AS special_known,
            EXISTS (SELECT FROM app.monthly_caps c
                     WHERE c.program = v0.program AND c.income_tier = v0.tier AND c.special_case = v0.special) AS cap_known,
            (SELECT s.label_ja FROM app.special_cases s WHERE s.program = v0.program AND s.code = v0.special) AS special_label,
            (SELECT t.label_ja FROM app.income_tiers t WHERE t.code = v0.tier) AS tier_label
          OFFSET 0) v
   CROSS JOIN LATERAL (
     VALUES
       -- the outcome
       (NOT v.outcome_known,
        'outcome', 'E_CERT_OUTCOME', '認定結果は granted（認定）、refused（不認定）、pending（保留）のいずれかです。'),
       -- the refusal and its reason
       (v.outcome = 'refused' AND v.reason IS NULL,
        'refusal_reason', 'E_CERT_REFUSAL_REASON_REQUIRED',
        '不認定には理由（診断基準を満たさない・重症度分類等を満たさない・その他）が必要です。'),
       (v.reason IS NOT NULL AND NOT v.reason_known,
        'refusal_reason', 'E_CERT_REFUSAL_REASON',
        '不認定の理由は diagnosis_not_met（診断基準を満たさない）、severity_not_met（重症度分類等を満たさない）、other（その他）のいずれかです。'),
       (v.outcome IN ('granted', 'pending') AND (v.reason IS NOT NULL OR v.note IS NOT NULL),
        'refusal_reason', 'E_CERT_REFUSAL_REASON_NOT_REFUSED', '不認定の理由は不認定のときだけ記入します。'),
       (v.outcome = 'refused' AND v.reason = 'other' AND v.note IS NULL,
        'refusal_note', 'E_CERT_REFUSAL_NOTE_REQUIRED', '不認定の理由「その他」には、その内容の記入が必要です。'),
       (length(v.note) > 1000, 'refusal_note', 'E_CERT_TEXT_TOO_LONG', '不認定の理由の内容は1000文字以内です。'),
       (length(v.early_reason) > 1000, 'early_start_reason', 'E_CERT_TEXT_TOO_LONG', '開始日を遡る理由は1000文字以内です。'),
       -- what a grant needs
       (v.outcome = 'granted' AND v.recipient IS NULL,
        'recipient_number', 'E_CERT_RECIPIENT_NUMBER_REQUIRED', '認定には受給者番号が必要です。'),
       (v.outcome = 'granted' AND v.payer IS NULL,
        'public_payer_number', 'E_CERT_PAYER_NUMBER_REQUIRED', '認定には公費負担者番号が必要です。'),
       (v.outcome = 'granted' AND (v.from_text IS NULL OR v.until_text IS NULL),
        CASE WHEN v.from_text IS NULL THEN 'valid_from' ELSE 'valid_until' END,
        'E_CERT_VALIDITY_REQUIRED', '認定には有効期間（開始日と終了日）が必要です。'),
       (v.outcome = 'granted' AND v.tier IS NULL,
        'income_tier', 'E_CERT_INCOME_TIER_REQUIRED', '認定には階層区分が必要です。'),
       -- the numbers
       (v.recipient IS NOT NULL AND NOT nanbyo.valid_recipient_number(v.recipient),
        'recipient_number', 'E_CERT_RECIPIENT_NUMBER',
        '受給者番号は7桁の数字（最後の1桁は検証番号）です。番号と検証番号を確認してください。'),
       (v.payer IS NOT NULL AND NOT nanbyo.valid_public_payer_number(v.payer),
        'public_payer_number', 'E_CERT_PAYER_NUMBER',
        '公費負担者番号は8桁の数字（最後の1桁は検証番号）です。番号と検証番号を確認してください。'),
       (v.payer IS NOT NULL AND nanbyo.valid_public_payer_number(v.payer) AND left(v.payer, 2) IS DISTINCT FROM v.law_code,
        'public_payer_number', 'E_CERT_PAYER_LAW_CODE',
        format('公費負担者番号の法別番号（先頭2桁）は、%sでは %s です。', v.program_label, v.law_code)),
       (v.payer IS NOT NULL AND nanbyo.valid_public_payer_number(v.payer) AND substr(v.payer, 3, 2) IS DISTINCT FROM v.prefecture,
        'public_payer_number', 'E_CERT_PAYER_PREFECTURE',
        format('公費負担者番号の3・4桁目（都道府県番号）は、この自治体の都道府県番号 %s と同じでなければなりません。', v.prefecture)),
       -- the dates
       (v.received_text IS NOT NULL AND app.iso_date_or_null(v.received_text) IS NULL,
        'application_received_on', 'E_CERT_DATE', '申請受付日は日付（YYYY-MM-DD）で入力してください。'),
       (v.from_text IS NOT NULL AND v.valid_from IS NULL,
        'valid_from', 'E_CERT_DATE', '有効期間の開始日は日付（YYYY-MM-DD）で入力してください。'),
       (v.until_text IS NOT NULL AND v.valid_until IS NULL,
        'valid_until', 'E_CERT_DATE', '有効期間の終了日は日付（YYYY-MM-DD）で入力してください。'),
       (v.received > today,
        'application_received_on', 'E_CERT_RECEIVED_FUTURE', '申請受付日に今日より後の日付は入力できません。'),
       (v.received < v.issued,
        'application_received_on', 'E_CERT_RECEIVED_BEFORE_ISSUE',
        format('申請受付日は票の発行日（%s）より前にできません。', v.issued)),
       (v.valid_until < v.valid_from,
        'valid_until', 'E_CERT_VALIDITY_ORDER', '有効期間の終了日は開始日より後でなければなりません。'),
       (v.valid_until > (v.valid_from + interval '1 year' - interval '1 day')::date,
        'valid_until', 'E_CERT_VALIDITY_TOO_LONG',
        format('有効期間は1年以内です（開始日 %s なら終了日は %s まで）。', v.valid_from,
               (v.valid_from + interval '1 year' - interval '1 day')::date)),
       (v.valid_from IS NOT NULL AND v.diagnosed IS NULL,
        'valid_from', 'E_CERT_DIAGNOSIS_DATE_MISSING',
        '票に診断年月日がないため、有効期間の開始日を確かめられません。先に票の「診断年月」を修正してください。'),
       (v.valid_from < v.diagnosed,
        'valid_from', 'E_CERT_START_BEFORE_DIAGNOSIS',
        format('有効期間の開始日は診断年月日（%s）より前にできません。', v.diagnosed)),
       (v.early_reason IS NULL AND v.valid_from < (v.received - interval '1 month')::date,
        'valid_from', 'E_CERT_START_TOO_EARLY',
        format('有効期間の開始日は申請受付日（%s）の1か月前（%s）より前にできません。やむを得ない理由を記入すれば3か月前まで遡れます。',
               v.received, (v.received - interval '1 month')::date)),
       (v.early_reason IS NOT NULL AND v.valid_from < (v.received - interval '3 months')::date,
        'valid_from', 'E_CERT_START_TOO_EARLY_WITH_REASON',
        format('有効期間の開始日は、理由があっても申請受付日（%s）の3か月前（%s）より前にできません。',
               v.received, (v.received - interval '3 months')::date)),
       -- the tier, the special case and their combination
       (v.tier IS NOT NULL AND NOT v.tier_known,
        'income_tier', 'E_CERT_INCOME_TIER',
        '階層区分は welfare（生活保護）、low1（低所得Ⅰ）、low2（低所得Ⅱ）、general1（一般所得Ⅰ）、general2（一般所得Ⅱ）、upper（上位所得）のいずれかです。'),
       (NOT v.special_known,
        'special_case', 'E_CERT_SPECIAL_CASE', '特例区分は none（該当なし）、high_long（高額かつ長期・重症）、ventilator（人工呼吸器等装着者）のいずれかです。'),
       (v.tier_known AND v.special_known AND NOT v.cap_known,
        'special_case', 'E_CERT_SPECIAL_CASE_TIER',
        format('特例区分「%s」は階層区分「%s」には適用できません（一般所得Ⅰ以上だけ）。', v.special_label, v.tier_label)),
       -- the 行政記載欄 must be an object
       (jsonb_typeof(v.admin_box) <> 'object',
        'admin_box', 'E_CERT_ADMIN_BOX', '行政記載欄は項目ID → 値のオブジェクトで指定してください。')
     UNION ALL
     -- granted-only values on another outcome
     SELECT v.outcome IN ('refused', 'pending'), k.field, 'E_CERT_NOT_GRANTED_FIELD',
            format('「%s」は認定のときだけ記入します。', k.label_ja)
       FROM app.certification_fields() k
      WHERE k.granted_only AND app.certification_text(certification, k.field) IS NOT NULL
        AND NOT (k.field = 'special_case' AND app.certification_text(certification, k.field) = 'none')
     UNION ALL
     -- keys the object may not have
     SELECT true, k, 'E_CERT_UNKNOWN_FIELD', format('認定結果に「%s」という項目はありません。', k)
       FROM jsonb_object_keys(CASE WHEN jsonb_typeof(certification) = 'object' THEN certification ELSE '{}' END) k
      WHERE k NOT IN (SELECT c.field FROM app.certification_fields() c)
     UNION ALL
     -- the 行政記載欄's items: known, of their type and length
     SELECT CASE WHEN i.item_id IS NULL THEN true
                 WHEN i.value_type = 'date' THEN app.iso_date_or_null(b.value #>> '{}') IS NULL
                 ELSE length(b.value #>> '{}') > i.max_length END,
            'admin_box.' || b.key,
            CASE WHEN i.item_id IS NULL THEN 'E_CERT_ADMIN_BOX_ITEM'
                 WHEN i.value_type = 'date' THEN 'E_CERT_DATE' ELSE 'E_CERT_TEXT_TOO_LONG' END,
            CASE WHEN i.item_id IS NULL THEN format('行政記載欄に「%s」という項目はありません。', b.key)
                 WHEN i.value_type = 'date' THEN format('行政記載欄の「%s」は日付（YYYY-MM-DD）で入力してください。', i.label_ja)
                 ELSE format('行政記載欄の「%s」は%s文字以内です。', i.label_ja, i.max_length) END
       FROM jsonb_each(CASE WHEN jsonb_typeof(v.admin_box) = 'object' THEN v.admin_box ELSE '{}' END) b
       LEFT JOIN app.admin_box_items i ON i.item_id = b.key
      WHERE jsonb_typeof(b.value) <> 'null' AND nullif(btrim(b.value #>> '{}'), '') IS NOT NULL
   ) x(failed, field, code, message)
   WHERE x.failed IS TRUE
$$;
COMMENT ON FUNCTION app.certification_problems(app.forms, jsonb, date) IS
  '認定結果の検査（1票でも一括取込でも同じ規則）: 破った規則ごとに (field, code, message)';

-- The 行政記載欄 as stored: known items only, normalised, empty ones dropped.
CREATE OR REPLACE FUNCTION app.admin_box_normalized(admin_box jsonb)
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(jsonb_object_agg(i.item_id,
                    CASE WHEN i.value_type = 'date' THEN to_jsonb(app.iso_date_or_null(b.value #>> '{}'))
                         ELSE to_jsonb(btrim(normalize(b.value #>> '{}', NFKC))) END), '{}')
    FROM jsonb_each(CASE WHEN jsonb_typeof(admin_box) = 'object' THEN admin_box ELSE '{}' END) b
    JOIN app.admin_box_items i ON i.item_id = b.key
   WHERE jsonb_typeof(b.value) <> 'null' AND nullif(btrim(b.value #>> '{}'), '') IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION app.apply_certification(form_ids bigint[], certifications jsonb[])
RETURNS SETOF app.certifications
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  actor bigint := app.current_account_id();
  problem record;
BEGIN
  IF cardinality(form_ids) IS DISTINCT FROM cardinality(certifications) THEN
    PERFORM app.raise('22023', 'E_CERT_INPUT', '票と認定結果の数が合いません。');
  END IF;
  IF (SELECT count(DISTINCT id) FROM unnest(form_ids) id) <> cardinality(form_ids) THEN
    PERFORM app.raise('22023', 'E_CERT_DUPLICATE_FORM', '同じ票の認定結果が2つあります。');
  END IF;
  IF EXISTS (SELECT FROM unnest(form_ids) u(id) LEFT JOIN app.forms f ON f.id = u.id
              WHERE f.id IS NULL OR f.status NOT IN ('taken_over', 'reviewed')) THEN
    PERFORM app.raise('55000', 'E_FORM_STATUS', '自治体が受け付けた（登録前の）票だけに認定結果を記録できます。');
  END IF;
  WITH input AS MATERIALIZED (
    SELECT f AS form, u.c FROM unnest(form_ids, certifications) u(id, c) JOIN app.forms f ON f.id = u.id
  )
  SELECT p.* INTO problem
    FROM input i CROSS JOIN LATERAL app.certification_problems(i.form, i.c) p
   LIMIT 1;
  IF FOUND THEN
    -- the first rule broken, with its own code (the field in "hint"); the
    -- codes app.certification_problems answers, listed for the OpenAPI
    -- document (app.openapi_error_codes reads this source; a pgTAP test
    -- checks the list against the rules):
  --   app.raise('22023', 'E_CERT_ADMIN_BOX')
  --   app.raise('22023', 'E_CERT_ADMIN_BOX_ITEM')
  --   app.raise('22023', 'E_CERT_DATE')
  --   app.raise('22023', 'E_CERT_DIAGNOSIS_DATE_MISSING')
  --   app.raise('22023', 'E_CERT_INCOME_TIER')
  --   app.raise('22023', 'E_CERT_INCOME_TIER_REQUIRED')
  --   app.raise('22023', 'E_CERT_NOT_GRANTED_FIELD')
  --   app.raise('22023', 'E_CERT_OUTCOME')
  --   app.raise('22023', 'E_CERT_PAYER_LAW_CODE')
  --   app.raise('22023', 'E_CERT_PAYER_NUMBER')
  --   app.raise('22023', 'E_CERT_PAYER_NUMBER_REQUIRED')
  --   app.raise('22023', 'E_CERT_PAYER_PREFECTURE')
  --   app.raise('22023', 'E_CERT_RECEIVED_BEFORE_ISSUE')
  --   app.raise('22023', 'E_CERT_RECEIVED_FUTURE')
  --   app.raise('22023', 'E_CERT_RECIPIENT_NUMBER')
  --   app.raise('22023', 'E_CERT_RECIPIENT_NUMBER_REQUIRED')
  --   app.raise('22023', 'E_CERT_REFUSAL_NOTE_REQUIRED')
  --   app.raise('22023', 'E_CERT_REFUSAL_REASON')
  --   app.raise('22023', 'E_CERT_REFUSAL_REASON_NOT_REFUSED')
  --   app.raise('22023', 'E_CERT_REFUSAL_REASON_REQUIRED')
  --   app.raise('22023', 'E_CERT_SPECIAL_CASE')
  --   app.raise('22023', 'E_CERT_SPECIAL_CASE_TIER')
  --   app.raise('22023', 'E_CERT_START_BEFORE_DIAGNOSIS')
  --   app.raise('22023', 'E_CERT_START_TOO_EARLY')
  --   app.raise('22023', 'E_CERT_START_TOO_EARLY_WITH_REASON')
  --   app.raise('22023', 'E_CERT_TEXT_TOO_LONG')
  --   app.raise('22023', 'E_CERT_UNKNOWN_FIELD')
  --   app.raise('22023', 'E_CERT_VALIDITY_ORDER')
  --   app.raise('22023', 'E_CERT_VALIDITY_REQUIRED')
  --   app.raise('22023', 'E_CERT_VALIDITY_TOO_LONG')
    PERFORM app.raise('22023', problem.code, problem.message, problem.field);
  END IF;

  INSERT INTO app.certifications AS t (
    form_id, program, outcome, refusal_reason, refusal_note, recipient_number, public_payer_number,
    application_received_on, valid_from, valid_until, early_start_reason, income_tier, special_case,
    monthly_cap_yen, admin_box, recorded_by, recorded_at)
  SELECT f.id, f.program, n.outcome,
         CASE WHEN n.outcome = 'refused' THEN app.certification_text(u.c, 'refusal_reason') END,
         CASE WHEN n.outcome = 'refused' THEN app.certification_text(u.c, 'refusal_note') END,
         g.recipient, g.payer,
         coalesce(app.iso_date_or_null(app.certification_text(u.c, 'application_received_on')),
                  (f.taken_over_at AT TIME ZONE 'Asia/Tokyo')::date),
         g.valid_from, g.valid_until, g.early_reason, g.tier, g.special, cap.cap_yen,
         app.admin_box_normalized(u.c -> 'admin_box'), actor, now()
    FROM unnest(form_ids, certifications) u(id, c)
    JOIN app.forms f ON f.id = u.id
   CROSS JOIN LATERAL (SELECT app.certification_text(u.c, 'outcome') AS outcome) n
   CROSS JOIN LATERAL (
     SELECT CASE WHEN n.outcome = 'granted' THEN app.certification_text(u.c, 'recipient_number') END AS recipient,
            CASE WHEN n.outcome = 'granted' THEN app.certification_text(u.c, 'public_payer_number') END AS payer,
            CASE WHEN n.outcome = 'granted' THEN app.iso_date_or_null(app.certification_text(u.c, 'valid_from')) END AS valid_from,
            CASE WHEN n.outcome = 'granted' THEN app.iso_date_or_null(app.certification_text(u.c, 'valid_until')) END AS valid_until,
            CASE WHEN n.outcome = 'granted' THEN app.certification_text(u.c, 'early_start_reason') END AS early_reason,
            CASE WHEN n.outcome = 'granted' THEN app.certification_text(u.c, 'income_tier') END AS tier,
            CASE WHEN n.outcome = 'granted' THEN coalesce(app.certification_text(u.c, 'special_case'), 'none') END AS special) g
    LEFT JOIN app.monthly_caps cap
      ON cap.program = f.program AND cap.income_tier = g.tier AND cap.special_case = g.special
  ON CONFLICT (form_id) DO UPDATE SET
    outcome = excluded.outcome, refusal_reason = excluded.refusal_reason, refusal_note = excluded.refusal_note,
    recipient_number = excluded.recipient_number, public_payer_number = excluded.public_payer_number,
    application_received_on = excluded.application_received_on, valid_from = excluded.valid_from,
    valid_until = excluded.valid_until, early_start_reason = excluded.early_start_reason,
    income_tier = excluded.income_tier, special_case = excluded.special_case,
    monthly_cap_yen = excluded.monthly_cap_yen, admin_box = excluded.admin_box,
    recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at;

  -- the review result follows the certification (api.review_form's move).
  -- (Driven by the input arrays, each form found by its key: a join with
  -- app.certifications planned while its statistics still say "empty" would
  -- scan it once per form.)
  UPDATE app.forms x SET status = 'reviewed', review_result = c.outcome, reviewed_at = now(), reviewed_by = actor
    FROM unnest(form_ids) u(id) JOIN app.certifications c ON c.form_id = u.id
   WHERE x.id = u.id;

  PERFORM app.audit('form.certify', 'success', 'form', c.form_id::text,
                    jsonb_strip_nulls(jsonb_build_object('outcome', c.outcome, 'refusal_reason', c.refusal_reason)))
     FROM unnest(form_ids) u(id) JOIN app.certifications c ON c.form_id = u.id ORDER BY c.form_id;

  RETURN QUERY SELECT c.* FROM unnest(form_ids) u(id) JOIN app.certifications c ON c.form_id = u.id ORDER BY c.form_id;
END
$$;
COMMENT ON FUNCTION app.apply_certification(bigint[], jsonb[]) IS
  '認定結果の記録（1票でも一括でも）: 上限月額・登録者証の対象を導き、票を審査済みにし、履歴と操作ログを残す';

-- Every version of the certification and of the research consent joins the
-- form's history (statement-level, like app.forms_record_history).
CREATE OR REPLACE FUNCTION app.certification_record_history()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO app.form_history (form_id, fiscal_year, actor_account_id, request_id, part, status, data)
  SELECT n.form_id, i.fiscal_year, app.current_account_id(), app.current_request_id(),
         CASE TG_TABLE_NAME WHEN 'certifications' THEN 'certification' ELSE 'research_consent' END,
         NULL, to_jsonb(n) - 'form_id' - 'created_at' - 'updated_at'
    FROM new_rows n JOIN app.form_ids i ON i.id = n.form_id ORDER BY n.form_id;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS certifications_record_history_insert ON app.certifications;
CREATE TRIGGER certifications_record_history_insert AFTER INSERT ON app.certifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.certification_record_history();
DROP TRIGGER IF EXISTS certifications_record_history_update ON app.certifications;
CREATE TRIGGER certifications_record_history_update AFTER UPDATE ON app.certifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.certification_record_history();
DROP TRIGGER IF EXISTS research_consents_record_history_insert ON app.research_consents;
CREATE TRIGGER research_consents_record_history_insert AFTER INSERT ON app.research_consents
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.certification_record_history();
DROP TRIGGER IF EXISTS research_consents_record_history_update ON app.research_consents;
CREATE TRIGGER research_consents_record_history_update AFTER UPDATE ON app.research_consents
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.certification_record_history();
DROP TRIGGER IF EXISTS certifications_touch ON app.certifications;
CREATE TRIGGER certifications_touch BEFORE UPDATE ON app.certifications FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
DROP TRIGGER IF EXISTS research_consents_touch ON app.research_consents;
CREATE TRIGGER research_consents_touch BEFORE UPDATE ON app.research_consents FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
